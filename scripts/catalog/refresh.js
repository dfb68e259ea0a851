#!/usr/bin/env node
// Writes the emulator's piece catalogue from the piece packages pinned in
// package.json (installed by `npm ci` in this folder; `make catalog-refresh`
// does both). For each @activepieces/piece-* dependency it loads the package,
// takes the metadata of the Piece object it exports and writes
// internal/emulator/piecedata/<scope>-<name>.json. Files whose source kind is
// not "npm" (the hand-maintained ones) are never touched; an npm-generated
// file whose package is no longer pinned is removed.
//
// What is kept is data only: names, display names, descriptions, versions,
// the auth property, and per action/trigger its props as Activepieces
// declares them (displayName, description, required, type, and defaultValue
// only where the piece defines one).
'use strict';

const fs = require('fs');
const path = require('path');

const here = __dirname;
const outDir = path.resolve(here, '..', '..', 'internal', 'emulator', 'piecedata');
const pinned = require(path.join(here, 'package.json')).dependencies;

// fileName maps a package name to its data file: "@activepieces/piece-slack"
// → "activepieces-piece-slack.json".
function fileName(pkg) {
  return pkg.replace(/^@/, '').replace('/', '-') + '.json';
}

function hasOwn(o, k) {
  return Object.prototype.hasOwnProperty.call(o, k);
}

// plain returns v as JSON data, failing on anything JSON cannot carry
// exactly (functions, undefined inside arrays, non-finite numbers).
function plain(v, where) {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`${where}: non-finite number`);
    return v;
  }
  if (Array.isArray(v)) return v.map((x, i) => plain(x, `${where}[${i}]`));
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) continue;
      out[k] = plain(x, `${where}.${k}`);
    }
    return out;
  }
  throw new Error(`${where}: ${typeof v} is not data`);
}

function str(v) {
  return typeof v === 'string' ? v : null;
}

// prop is one input property in Activepieces' shape. defaultValue is written
// only when the piece defines one (a key holding undefined is none).
function prop(name, p, where) {
  const out = {
    name,
    displayName: str(p.displayName),
    description: str(p.description),
    type: p.type,
    required: p.required === true,
  };
  if (hasOwn(p, 'defaultValue') && p.defaultValue !== undefined) {
    out.defaultValue = plain(p.defaultValue, `${where}.defaultValue`);
  }
  if (typeof out.type !== 'string') throw new Error(`${where}: no type`);
  return out;
}

function props(ps, where) {
  return Object.entries(ps || {}).map(([name, p]) => prop(name, p, `${where}.${name}`));
}

// auth renders one auth property as PieceAuthProperty (model field order).
function authProperty(a, where) {
  const nested = {};
  for (const p of props(a.props, `${where}.props`)) {
    const { name, ...rest } = p;
    nested[name] = rest;
  }
  const credential = (c) => (c ? { displayName: str(c.displayName), description: str(c.description) } : null);
  return {
    type: a.type,
    displayName: str(a.displayName),
    description: str(a.description),
    required: a.required === true,
    props: a.props ? nested : null,
    authUrl: str(a.authUrl),
    tokenUrl: str(a.tokenUrl),
    scope: Array.isArray(a.scope) ? plain(a.scope, `${where}.scope`) : null,
    username: a.type === 'BASIC_AUTH' ? credential(a.username) : null,
    password: a.type === 'BASIC_AUTH' ? credential(a.password) : null,
  };
}

function auth(a, where) {
  if (a === undefined || a === null) return null;
  if (Array.isArray(a)) return a.map((x, i) => authProperty(x, `${where}[${i}]`));
  return authProperty(a, where);
}

// requireAuth: pieces-framework's createAction and createTrigger default it
// to true; packages built on the older @activepieces/framework have no such
// field, and get the same default.
function requireAuth(op) {
  return typeof op.requireAuth === 'boolean' ? op.requireAuth : true;
}

function action(a, where) {
  const out = {
    name: a.name,
    displayName: str(a.displayName),
    description: str(a.description),
    requireAuth: requireAuth(a),
    props: props(a.props, `${where}.props`),
  };
  if (a.errorHandlingOptions) out.errorHandlingOptions = plain(a.errorHandlingOptions, `${where}.errorHandlingOptions`);
  return out;
}

function trigger(t, where) {
  const out = {
    name: t.name,
    displayName: str(t.displayName),
    description: str(t.description),
    requireAuth: requireAuth(t),
    type: t.type,
    testStrategy: str(t.testStrategy),
    props: props(t.props, `${where}.props`),
    sampleData: t.sampleData === undefined ? null : plain(t.sampleData, `${where}.sampleData`),
  };
  if (t.handshakeConfiguration) out.handshakeConfiguration = plain(t.handshakeConfiguration, `${where}.handshakeConfiguration`);
  if (t.renewConfiguration) out.renewConfiguration = plain(t.renewConfiguration, `${where}.renewConfiguration`);
  return out;
}

// thePiece finds the one Piece object a package exports.
function thePiece(pkg, mod) {
  const found = Object.entries(mod).filter(
    ([, v]) => v && typeof v === 'object' && typeof v.metadata === 'function' && typeof v.getAction === 'function',
  );
  if (found.length !== 1) {
    throw new Error(`${pkg}: exports ${found.length} Piece objects (${found.map(([k]) => k).join(', ')}), want 1`);
  }
  return found[0][1];
}

function pieceData(pkg) {
  const manifest = require(path.join(here, 'node_modules', pkg, 'package.json'));
  if (manifest.version !== pinned[pkg]) {
    throw new Error(`${pkg}: installed ${manifest.version}, pinned ${pinned[pkg]}: run npm ci`);
  }
  const md = thePiece(pkg, require(pkg)).metadata();
  const deps = manifest.dependencies || {};
  const framework = deps['@activepieces/pieces-framework']
    ? `@activepieces/pieces-framework ${deps['@activepieces/pieces-framework']}`
    : deps['@activepieces/framework']
      ? `@activepieces/framework ${deps['@activepieces/framework']}`
      : 'bundled into the package';
  const where = pkg;
  return {
    source: {
      kind: 'npm',
      package: pkg,
      version: manifest.version,
      framework,
      note: 'Generated by make catalog-refresh (scripts/catalog/refresh.js) from the published package; do not edit.',
    },
    name: pkg,
    version: manifest.version,
    displayName: str(md.displayName),
    description: str(md.description),
    logoUrl: str(md.logoUrl),
    authors: Array.isArray(md.authors) ? plain(md.authors, `${where}.authors`) : [],
    activepiecesCategories: Array.isArray(md.categories) ? plain(md.categories, `${where}.categories`) : [],
    minimumSupportedRelease: str(md.minimumSupportedRelease),
    maximumSupportedRelease: str(md.maximumSupportedRelease),
    auth: auth(md.auth, `${where}.auth`),
    actions: Object.values(md.actions || {}).map((a) => action(a, `${where}.actions.${a.name}`)),
    triggers: Object.values(md.triggers || {}).map((t) => trigger(t, `${where}.triggers.${t.name}`)),
  };
}

function main() {
  const pkgs = Object.keys(pinned).filter((p) => /^@activepieces\/piece-/.test(p)).sort();
  for (const [pkg, v] of Object.entries(pinned)) {
    if (!/^\d+\.\d+\.\d+$/.test(v)) throw new Error(`${pkg}: pin an exact version, not ${v}`);
  }
  fs.mkdirSync(outDir, { recursive: true });
  const written = new Set();
  for (const pkg of pkgs) {
    const data = pieceData(pkg);
    const file = fileName(pkg);
    fs.writeFileSync(path.join(outDir, file), JSON.stringify(data, null, 2) + '\n');
    written.add(file);
    console.log(`${file}: ${data.name} ${data.version}, ${data.actions.length} actions, ${data.triggers.length} triggers`);
  }
  for (const file of fs.readdirSync(outDir)) {
    if (!file.endsWith('.json') || written.has(file)) continue;
    let kind;
    try {
      kind = JSON.parse(fs.readFileSync(path.join(outDir, file), 'utf8')).source.kind;
    } catch (e) {
      continue;
    }
    if (kind === 'npm') {
      fs.unlinkSync(path.join(outDir, file));
      console.log(`${file}: removed (no longer pinned)`);
    }
  }
}

main();
