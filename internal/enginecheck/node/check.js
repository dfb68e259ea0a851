'use strict';
// Checks flow-import request bodies against Activepieces' own published flow
// code: every dependency of package.json that is an npm alias of
// @activepieces/shared (e.g. "shared96": "npm:@activepieces/shared@0.96.2")
// is one engine version to check against.
//
// Input (stdin): one JSON object a line, {"id": "...", "body": {...}}, the
// body being a POST /v1/workflow/{id}/import request body as sent.
// Output (stdout): one JSON object a line per input line, in input order:
//
//   {"id": "...", "versions": [{
//     "version": "0.96.2",
//     "accepted": true,                 ImportFlowRequest accepts the body as sent
//     "schemaErrors": [{"path", "message"}],
//     "importError": "",                IMPORT_FLOW on an empty draft threw this
//     "importOperation": "",            the expanded operation that threw, when known
//     "importErrors": [{"operation", "error"}],  every expanded operation that
//                                       throws when a replay goes on past each
//     "partial": false,                 the import threw: the steps below are
//                                       those of that replay, not of a result
//     "stepsSent": ["notify"],          every step of the body (trigger excluded)
//     "stepsAfter": ["notify"],         every step of the resulting draft
//     "dropped": [{"step", "at"}],      sent (at parent.key) but not in the resulting draft
//     "invalid": [{"step", "trigger", "sentInvalid", "issues": [{"path", "message"}]}],
//     "flowValid": true,                the resulting draft's own valid flag
//     "trigger": {...}                  the resulting draft's trigger tree
//   }]}
//
// A line that is not JSON gets {"id": "", "error": "..."}. Setup failures
// (a missing or stale node_modules) print one line on stderr and exit 2.
//
// Written for this project; it only calls the packages' exported schemas and
// flowOperations.apply (and, to name the operation that threw, the
// package's own expansion of IMPORT_FLOW).

const fs = require('fs');
const path = require('path');
const readline = require('readline');

const ALIAS_PREFIX = 'npm:@activepieces/shared@';

function fail(message) {
  process.stderr.write('enginecheck: ' + message + '\n');
  process.exit(2);
}

// loadEngines requires every pinned @activepieces/shared alias and checks
// that node_modules holds exactly the pinned version.
function loadEngines() {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, 'package.json'), 'utf8'));
  const engines = [];
  for (const [alias, spec] of Object.entries(pkg.dependencies || {})) {
    if (!spec.startsWith(ALIAS_PREFIX)) {
      continue;
    }
    const pinned = spec.slice(ALIAS_PREFIX.length);
    let dir;
    try {
      dir = path.dirname(require.resolve(alias + '/package.json', { paths: [__dirname] }));
    } catch (e) {
      fail(`${alias} (@activepieces/shared ${pinned}) is not installed in ${__dirname}/node_modules: run "make engine-deps"`);
    }
    const installed = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
    if (installed !== pinned) {
      fail(`${alias}: node_modules holds @activepieces/shared ${installed}, package.json pins ${pinned}: run "make engine-deps"`);
    }
    const shared = require(dir);
    const engine = {
      alias,
      version: installed,
      dir,
      shared,
      // zod schemas have safeParse; TypeBox schemas are plain JSON schemas
      // checked with the TypeBox the package itself depends on.
      zod: typeof shared.ImportFlowRequest.safeParse === 'function',
    };
    if (!engine.zod) {
      const from = { paths: [dir] };
      engine.typebox = {
        Value: require(require.resolve('@sinclair/typebox/value', from)).Value,
        ValueErrorType: require(require.resolve('@sinclair/typebox/errors', from)).ValueErrorType,
      };
    }
    try {
      // Only to name the operation that threw; apply() is the verdict.
      engine.expandImport = require(path.join(dir, importFlowModule(dir)))._importFlow;
    } catch (e) {
      engine.expandImport = null;
    }
    engines.push(engine);
  }
  if (engines.length === 0) {
    fail('package.json pins no @activepieces/shared version');
  }
  engines.sort((a, b) => compareVersions(b.version, a.version));
  return engines;
}

function importFlowModule(dir) {
  for (const rel of ['src/lib/automation/flows/operations/import-flow.js', 'src/lib/flows/operations/import-flow.js']) {
    if (fs.existsSync(path.join(dir, rel))) {
      return rel;
    }
  }
  throw new Error('import-flow.js not found');
}

function compareVersions(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if (pa[i] !== pb[i]) {
      return pa[i] - pb[i];
    }
  }
  return 0;
}

// --- paths and issues ---------------------------------------------------------

function formatPath(segments) {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number' || /^\d+$/.test(String(s))) {
      out += `[${s}]`;
    } else {
      out += out === '' ? String(s) : '.' + String(s);
    }
  }
  return out;
}

function valueAt(root, segments) {
  let v = root;
  for (const s of segments) {
    if (v === null || typeof v !== 'object') {
      return undefined;
    }
    v = v[s];
  }
  return v;
}

function issue(root, segments, message, expected) {
  const p = formatPath(segments);
  if (valueAt(root, segments) === undefined && segments.length > 0) {
    message = expected ? `missing (${expected})` : 'missing';
  }
  return { path: p === '' ? '(root)' : p, message };
}

function dedupe(issues) {
  const seen = new Set();
  const out = [];
  for (const i of issues) {
    if (!seen.has(i.path)) {
      seen.add(i.path);
      out.push(i);
    }
  }
  return out;
}

// zodIssues flattens zod issues into {path, message}. For a union it keeps
// the alternative the value was meant to be: the one whose discriminating
// literal (e.g. "type") matched, else the one with the fewest issues.
function zodIssues(root, issues, base) {
  const out = [];
  for (const is of issues) {
    const at = base.concat(is.path || []);
    if (is.code === 'invalid_union' && Array.isArray(is.errors) && is.errors.length > 0) {
      out.push(...zodIssues(root, pickAlternative(is.errors, (i) =>
        i.code === 'invalid_value' && (i.path || []).length === 1), at));
      continue;
    }
    out.push(issue(root, at, is.message, is.expected));
  }
  return dedupe(out);
}

function pickAlternative(alternatives, isDiscriminantMiss) {
  const matching = alternatives.filter((alt) => !alt.some(isDiscriminantMiss));
  const pool = matching.length > 0 ? matching : alternatives;
  return pool.reduce((best, alt) => (alt.length < best.length ? alt : best));
}

// typeboxIssues does the same for TypeBox's Value.Errors. TypeBox ignores
// the OpenAPI "nullable" keyword that Activepieces' Nullable() sets (the
// server's validator honours it), so a null where a schema says nullable is
// not an error here.
function typeboxIssues(engine, root, errors, depth) {
  const { ValueErrorType } = engine.typebox;
  const out = [];
  for (const e of errors) {
    if (e.value === null && e.schema && e.schema.nullable === true) {
      continue;
    }
    const segments = e.path.split('/').slice(1 + depth);
    if (e.type === ValueErrorType.Union && Array.isArray(e.errors) && e.errors.length > 0) {
      const alts = e.errors.map((it) => [...it]);
      const unionDepth = e.path.split('/').length - 1;
      const chosen = pickAlternative(alts, (x) =>
        x.type === ValueErrorType.Literal && x.path.split('/').length - 1 === unionDepth + 1);
      out.push(...typeboxIssues(engine, root, chosen, depth));
      continue;
    }
    out.push(issue(root, segments, e.message, e.schema && typeboxExpected(e.schema)));
  }
  return dedupe(out);
}

function typeboxExpected(schema) {
  if (schema.const !== undefined) {
    return JSON.stringify(schema.const);
  }
  if (schema.type === 'object' && schema.patternProperties) {
    return 'record'; // Type.Record, as zod names it
  }
  return schema.type;
}

// schemaIssues checks value against schema, a zod or TypeBox schema of engine.
function schemaIssues(engine, schema, value) {
  if (engine.zod) {
    const r = schema.safeParse(value);
    return r.success ? { ok: true, issues: [], data: r.data } : { ok: false, issues: zodIssues(value, r.error.issues, []) };
  }
  const { Value } = engine.typebox;
  const issues = typeboxIssues(engine, value, [...Value.Errors(schema, value)], 0);
  return { ok: issues.length === 0, issues, data: value };
}

// --- steps ----------------------------------------------------------------------

// children lists the steps nested in step under every key any engine
// version reads or writes, whatever the step's type: a step written under a
// key its type does not use is still a step that was sent.
function children(step) {
  const out = [];
  if (step.firstLoopAction && typeof step.firstLoopAction === 'object') {
    out.push(step.firstLoopAction);
  }
  if (Array.isArray(step.children)) {
    for (const c of step.children) {
      if (c && typeof c === 'object') {
        out.push(c);
      }
    }
  }
  const b = step.continueOnFailureBranches;
  if (b && typeof b === 'object') {
    for (const k of ['onSuccess', 'onFailure']) {
      if (b[k] && typeof b[k] === 'object') {
        out.push(b[k]);
      }
    }
  }
  if (step.nextAction && typeof step.nextAction === 'object') {
    out.push(step.nextAction);
  }
  return out;
}

// allSteps lists trigger's steps depth-first (trigger excluded) as
// {name, at, parent, step}, at being where it hangs ("loop_1.children[0]")
// and parent the step it hangs from (null: the trigger); a step without a
// string name is named by where it is.
function allSteps(trigger) {
  const out = [];
  const seen = new Set();
  const walk = (step, where, parent) => {
    if (seen.has(step)) {
      return;
    }
    seen.add(step);
    for (const c of children(step)) {
      const key = keyOf(step, c);
      const at = `${where}.${key}`;
      const entry = { name: typeof c.name === 'string' ? c.name : `(unnamed step at ${at})`, at, parent, step: c };
      out.push(entry);
      walk(c, typeof c.name === 'string' ? c.name : at, entry);
    }
  };
  if (trigger && typeof trigger === 'object') {
    walk(trigger, typeof trigger.name === 'string' ? trigger.name : 'trigger', null);
  }
  return out;
}

function keyOf(parent, child) {
  if (parent.nextAction === child) return 'nextAction';
  if (parent.firstLoopAction === child) return 'firstLoopAction';
  if (Array.isArray(parent.children) && parent.children.includes(child)) {
    return `children[${parent.children.indexOf(child)}]`;
  }
  const b = parent.continueOnFailureBranches || {};
  return b.onSuccess === child ? 'continueOnFailureBranches.onSuccess' : 'continueOnFailureBranches.onFailure';
}

function schemaOfStep(engine, step) {
  const s = engine.shared;
  switch (step.type) {
    case 'PIECE_TRIGGER': return s.PieceTrigger;
    case 'EMPTY': return s.EmptyTrigger;
    case 'CODE': return s.CodeActionSchema;
    case 'PIECE': return s.PieceActionSchema;
    case 'LOOP_ON_ITEMS': return s.LoopOnItemsActionSchema;
    case 'ROUTER': return s.RouterActionSchema;
    default: return null;
  }
}

// whyInvalid names what makes a step of the resulting draft invalid: the
// schema of its type, re-run on it, and whether it was sent as invalid.
function whyInvalid(engine, step, sentInvalid, isTrigger) {
  const schema = schemaOfStep(engine, step);
  if (schema === null) {
    const kinds = isTrigger ? 'PIECE_TRIGGER or EMPTY' : 'CODE, PIECE, LOOP_ON_ITEMS or ROUTER';
    return [{ path: 'type', message: `${JSON.stringify(step.type)} is not ${kinds}` }];
  }
  const issues = [];
  if (sentInvalid) {
    issues.push({ path: 'valid', message: 'sent as false (a step sent invalid stays invalid)' });
  }
  issues.push(...schemaIssues(engine, schema, step).issues);
  if (issues.length === 0) {
    issues.push({ path: '(step)', message: 'invalid, though its schema accepts it as stored' });
  }
  return issues;
}

// --- import ---------------------------------------------------------------------

const DRAFT_DATE = '2026-01-01T00:00:00.000Z';

function emptyDraft(engine) {
  return {
    id: 'enginecheckVersion0000',
    created: DRAFT_DATE,
    updated: DRAFT_DATE,
    flowId: 'enginecheckFlow0000000',
    displayName: 'Untitled',
    trigger: {
      name: 'trigger',
      type: 'EMPTY',
      valid: false,
      displayName: 'Select Trigger',
      settings: {},
      lastUpdatedDate: DRAFT_DATE,
    },
    updatedBy: null,
    valid: false,
    schemaVersion: engine.shared.LATEST_FLOW_SCHEMA_VERSION || null,
    agentIds: [],
    state: 'DRAFT',
    connectionIds: [],
    backupFiles: null,
    notes: [],
  };
}

function describeError(err) {
  if (err && err.error && err.error.code) {
    // An ActivepiecesError: {code, params}.
    const params = err.error.params || {};
    const rest = Object.keys(params).filter((k) => k !== 'message')
      .map((k) => `${k}=${params[k] === undefined ? 'undefined' : JSON.stringify(params[k])}`);
    return err.error.code + (params.message ? `: ${params.message}` : '') + (rest.length ? ` (${rest.join(', ')})` : '');
  }
  if (err instanceof Error) {
    return `${err.name}: ${err.message}`;
  }
  return String(err);
}

function describeOperation(op) {
  const r = op.request || {};
  switch (op.type) {
    case 'ADD_ACTION': {
      const name = r.action && r.action.name;
      let where = r.stepLocationRelativeToParent;
      if (r.branchIndex !== undefined) where += ` ${r.branchIndex}`;
      return `ADD_ACTION ${JSON.stringify(name)} (${where} ${JSON.stringify(r.parentStep)})`;
    }
    case 'UPDATE_TRIGGER':
      return `UPDATE_TRIGGER ${JSON.stringify(r.name)}`;
    default:
      return op.type;
  }
}

// replayImport applies the engine's own expansion of IMPORT_FLOW one
// operation at a time, going on past each operation that throws (the
// version stays as it was before it), to name every operation that throws
// and to show what the rest of the import would make of the body. null
// when the expansion is not available or throws itself.
function replayImport(engine, draft, request) {
  if (!engine.expandImport) {
    return null;
  }
  let ops;
  try {
    ops = engine.expandImport(clone(draft), clone(request));
  } catch (e) {
    return null;
  }
  let version = clone(draft);
  const throws = [];
  for (const op of ops) {
    try {
      version = engine.shared.flowOperations.apply(version, op);
    } catch (e) {
      const step = op.type === 'ADD_ACTION' && op.request.action ? op.request.action.name : undefined;
      throws.push({ operation: describeOperation(op), error: describeError(e), step });
    }
  }
  return { version, throws };
}

function clone(v) {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

function checkVersion(engine, body) {
  const out = {
    version: engine.version,
    accepted: false,
    schemaErrors: [],
    importError: '',
    importOperation: '',
    importErrors: [],
    partial: false,
    stepsSent: [],
    stepsAfter: [],
    dropped: [],
    invalid: [],
    flowValid: false,
    trigger: null,
  };
  const schema = schemaIssues(engine, engine.shared.ImportFlowRequest, body);
  out.accepted = schema.ok;
  out.schemaErrors = schema.issues;

  const sentTrigger = body && typeof body === 'object' ? body.trigger : undefined;
  const sent = allSteps(sentTrigger);
  out.stepsSent = sent.map((s) => s.name);

  // The server hands the operation what its validator produced (zod
  // strips unknown keys); a rejected body is imported as sent, to show what
  // else would go wrong.
  const request = schema.ok && engine.zod ? schema.data : body;
  const draft = emptyDraft(engine);
  try {
    const result = engine.shared.flowOperations.apply(clone(draft), { type: 'IMPORT_FLOW', request: clone(request) });
    out.flowValid = result.valid === true;
    out.trigger = result.trigger;
    analyse(out, engine, sent, sentTrigger, result.trigger, null, false);
    return out;
  } catch (e) {
    out.importError = describeError(e);
  }
  const replay = replayImport(engine, draft, request);
  if (replay === null || replay.throws.length === 0) {
    return out;
  }
  out.importOperation = replay.throws[0].operation;
  out.importErrors = replay.throws.map(({ operation, error }) => ({ operation, error }));
  out.partial = true;
  // When UPDATE_TRIGGER threw, the replay's trigger is still the draft's.
  const triggerThrew = replay.throws.some((t) => t.operation.startsWith('UPDATE_TRIGGER'));
  const threw = new Set(replay.throws.map((t) => t.step).filter((n) => n !== undefined));
  analyse(out, engine, sent, sentTrigger, replay.version.trigger, threw, triggerThrew);
  return out;
}

// analyse fills in the steps of the resulting trigger tree, the steps sent
// and missing from it and the invalid ones (the trigger too, unless
// skipTrigger). In a replay (threw: the steps whose own operation threw), a
// step counts as dropped only when its own operation did not throw and the
// step it hangs from is there: the others are lost with an operation that
// threw.
function analyse(out, engine, sent, sentTrigger, trigger, threw, skipTrigger) {
  const after = allSteps(trigger);
  out.stepsAfter = after.map((s) => s.name);
  const names = new Set(out.stepsAfter);
  const parentThere = (s) => s.parent === null
    ? !!trigger && !!sentTrigger && trigger.name === sentTrigger.name
    : names.has(s.parent.name);

  const remaining = new Map();
  for (const s of after) {
    remaining.set(s.name, (remaining.get(s.name) || 0) + 1);
  }
  for (const s of sent) {
    const n = remaining.get(s.name) || 0;
    if (n > 0) {
      remaining.set(s.name, n - 1);
    } else if (threw === null || (!threw.has(s.name) && parentThere(s))) {
      out.dropped.push({ step: s.name, at: s.at });
    }
  }

  const sentByName = new Map(sent.map((s) => [s.name, s.step]));
  const check = (name, step, sentStep, isTrigger) => {
    if (step.valid === true) {
      return;
    }
    const sentInvalid = !!sentStep && sentStep.valid === false;
    out.invalid.push({ step: name, trigger: isTrigger, sentInvalid, issues: whyInvalid(engine, step, sentInvalid, isTrigger) });
  };
  if (trigger && !skipTrigger) {
    check(typeof trigger.name === 'string' ? trigger.name : '(trigger)', trigger, sentTrigger, true);
  }
  for (const s of after) {
    check(s.name, s.step, sentByName.get(s.name), false);
  }
}

function main() {
  const engines = loadEngines();
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on('line', (line) => {
    if (line.trim() === '') {
      return;
    }
    let item;
    try {
      item = JSON.parse(line);
    } catch (e) {
      process.stdout.write(JSON.stringify({ id: '', error: 'input line is not JSON: ' + e.message }) + '\n');
      return;
    }
    const id = typeof item.id === 'string' ? item.id : '';
    const versions = engines.map((engine) => {
      try {
        return checkVersion(engine, clone(item.body));
      } catch (e) {
        return { version: engine.version, checkError: describeError(e) };
      }
    });
    process.stdout.write(JSON.stringify({ id, versions }) + '\n');
  });
}

if (require.main === module) {
  main();
}
