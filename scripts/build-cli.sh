#!/usr/bin/env bash
# Builds a Terraform or OpenTofu CLI from its Go module and caches it under
# bin/ keyed by version:
#
#   scripts/build-cli.sh terraform 1.16.4   # -> bin/terraform-1.16.4
#   scripts/build-cli.sh tofu 1.12.6        # -> bin/tofu-1.12.6
#
# The source comes from the Go module proxy only (`go mod download`); nothing
# else is downloaded. `go install module@version` refuses both CLIs because
# their go.mod files carry replace directives, so the module is copied into a
# writable folder and built there. Some of those replace directives point at
# nested modules (Terraform's remote-state backends azurerm, s3, gcs, ...)
# that are separate modules in the repository and therefore missing from the
# module zip; those backends are cut out of internal/backend/init and their
# replace/require lines out of go.mod. Every other backend (local, http,
# inmem, remote, cloud, ...) stays. A binary built this way reports
# "<version>-dev", as any CLI not built by its release pipeline does.
#
# Idempotent: does nothing when the binary exists and reports the version.
# Nothing here ends up in git: bin/ is ignored.
set -euo pipefail

tool=${1:?usage: build-cli.sh terraform|tofu VERSION}
version=${2:?usage: build-cli.sh terraform|tofu VERSION}
version=${version#v}

case "$tool" in
terraform) module=github.com/hashicorp/terraform; pkg=. ;;
tofu) module=github.com/opentofu/opentofu; pkg=./cmd/tofu ;;
*) echo "build-cli.sh: unknown CLI $tool (terraform or tofu)" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/bin"
out="$bin/$tool-$version"
go=${GO:-go}

# The whole output is read before it is looked at: a pipe into head would
# let the CLI die of SIGPIPE, which pipefail turns into "not built".
reports_version() {
	local first
	[ -x "$out" ] || return 1
	first=$(CHECKPOINT_DISABLE=1 TF_CLI_CONFIG_FILE=/dev/null "$out" version 2>/dev/null) || return 1
	first=${first%%$'\n'*}
	[ "$first" = "Terraform v$version" ] || [ "$first" = "Terraform v$version-dev" ] ||
		[ "$first" = "OpenTofu v$version" ] || [ "$first" = "OpenTofu v$version-dev" ]
}

if reports_version; then
	echo "$tool $version: $out (cached)"
	exit 0
fi

start=$SECONDS
mkdir -p "$bin"
src=$(mktemp -d "$bin/.build-$tool-$version.XXXXXX")
trap 'chmod -R u+w "$src" 2>/dev/null; rm -rf "$src"' EXIT

# Fetch the module through the Go module proxy (GOPROXY as configured).
dir=$(cd "$src" && "$go" mod download -json "$module@v$version" |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [ -z "$dir" ] || [ ! -f "$dir/go.mod" ]; then
	echo "build-cli.sh: go mod download $module@v$version gave no module folder" >&2
	exit 1
fi

# A writable copy: the module cache is read-only.
cp -R "$dir/." "$src/"
chmod -R u+w "$src"
cd "$src"

# Replace directives whose local target is not in the module zip.
missing=()
while read -r mod target; do
	[ -d "$target" ] || missing+=("$mod")
done < <(sed -n 's/^replace[[:space:]]\{1,\}\([^[:space:]]\{1,\}\)[[:space:]]\{1,\}=>[[:space:]]\{1,\}\(\.\{1,2\}\/[^[:space:]]*\).*/\1 \2/p' go.mod)

for mod in ${missing[@]+"${missing[@]}"}; do
	q=${mod//./\\.}
	# Drop the replace line and the require line (block form or single line).
	sed -i -E \
		-e "\#^replace[[:space:]]+${q}[[:space:]]#d" \
		-e "\#^[[:space:]]+${q}[[:space:]]+v#d" \
		-e "\#^require[[:space:]]+${q}[[:space:]]+v#d" go.mod
	# Non-test Go files importing the module: only the backend registry may.
	users=$(grep -rlE --include='*.go' "\"$q(/[^\"]*)?\"" . | grep -v '_test\.go$' || true)
	for f in $users; do
		case "$f" in
		./internal/backend/init/*) ;;
		*) echo "build-cli.sh: $f imports $mod, which the module zip lacks; only internal/backend/init is cut" >&2; exit 1 ;;
		esac
		# Remove `alias "module/..."` imports and every line using the alias
		# (the registry's one-line map entries).
		while read -r alias; do
			sed -i -E -e "\#^[[:space:]]*${alias}[[:space:]]+\"$q(/[^\"]*)?\"\$#d" -e "/[^A-Za-z0-9_]$alias\./d" "$f"
			echo "$tool $version: cut $alias ($mod) from ${f#./}"
		done < <(sed -nE "s#^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)[[:space:]]+\"$q(/[^\"]*)?\"\$#\\1#p" "$f")
		if grep -qE "\"$q(/[^\"]*)?\"" "$f"; then
			echo "build-cli.sh: $f still imports $mod" >&2
			exit 1
		fi
	done
done

echo "$tool $version: building $module@v$version ($pkg) ..."
# The copy sits inside this repository's work tree: -buildvcs=false keeps
# our git metadata out of the CLI (and git off the build's path).
GOWORK=off CGO_ENABLED=0 \
	"$go" build -mod=readonly -buildvcs=false -trimpath -ldflags "-s -w" -o "$src/$tool.bin" "$pkg"
mv -f "$src/$tool.bin" "$out"

if ! reports_version; then
	echo "build-cli.sh: $out does not report version $version:" >&2
	"$out" version >&2 || true
	exit 1
fi
echo "$tool $version: $out built in $((SECONDS - start))s"
