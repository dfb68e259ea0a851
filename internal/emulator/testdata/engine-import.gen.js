// Regenerates engine-import.json: every request below is imported into a
// new flow by @activepieces/shared's flowOperations (IMPORT_FLOW), and the
// stored trigger tree (or what was thrown) is recorded. Usage, from a
// scratch directory with the package installed
// (npm install @activepieces/shared@0.96.2):
//
//   node engine-import.gen.js engine-import.json [<path of @activepieces/shared>]
const s = require(process.argv[3] || '@activepieces/shared');
const fs = require('fs');
const path = process.argv[2] || 'engine-import.json';
const oldT = {name:'trigger', type:'EMPTY', valid:false, displayName:'Select Trigger', settings:{}, lastUpdatedDate: 'x'};
function imp(trigger, old) {
  try {
    const out = s.flowOperations.apply({ id: 'v', flowId: 'f', displayName: 'old', trigger: old || oldT, notes: [], state: 'DRAFT', valid: false }, {type: 'IMPORT_FLOW', request: {displayName: 'New', trigger: JSON.parse(JSON.stringify(trigger)), schemaVersion: null, notes: null}});
    return {ok: JSON.parse(JSON.stringify(out.trigger, (k, v) => k === 'lastUpdatedDate' ? 'NOW' : v))};
  } catch (e) { return {err: e.constructor.name === 'ActivepiecesError' ? 'AP:' + e.error.code : 'TypeError'}; }
}
const code = (name, extra) => Object.assign({name, type:'CODE', displayName:name.toUpperCase(), settings:{sourceCode:{code:'x', packageJson:'{}'}, input:{}}}, extra||{});
const piece = (name, settings, extra) => Object.assign({name, type:'PIECE', displayName:'P', settings:Object.assign({pieceName:'@x/piece-x', pieceVersion:'^1.2.3', actionName:'a', input:{}, propertySettings:{}}, settings||{})}, extra||{});
const loop = (name, extra, settings) => Object.assign({name, type:'LOOP_ON_ITEMS', displayName:'L', settings:Object.assign({items:'{{trigger.x}}'}, settings||{})}, extra||{});
const router = (name, branches, children, extra, settings) => Object.assign({name, type:'ROUTER', displayName:'R', settings:Object.assign({branches, executionType:'EXECUTE_FIRST_MATCH'}, settings||{}), children}, extra||{});
const trig = (next, extra, settings) => Object.assign({name:'trigger', type:'PIECE_TRIGGER', displayName:'T', settings:Object.assign({pieceName:'@x/piece-x', pieceVersion:'~0.1.0', triggerName:'t', input:{}, propertySettings:{}}, settings||{}), nextAction: next}, extra||{});
const fb = {branchName:'Otherwise', branchType:'FALLBACK'};
const cond = (c) => ({branchName:'A', branchType:'CONDITION', conditions: c});
const cases = {
  plain: trig(code('c1', {nextAction: piece('p1')})),
  triggerValidFalse: trig(null, {valid:false}),
  triggerNoPropSettings: trig(null, {}, {propertySettings: undefined}),
  triggerBadVersion: trig(null, {}, {pieceVersion: '1.0'}),
  triggerEmptyVersion: trig(null, {}, {pieceVersion: ''}),
  triggerNoVersion: trig(null, {}, {pieceVersion: undefined}),
  triggerNullTriggerName: trig(null, {}, {triggerName: null}),
  triggerSampleData: trig(null, {}, {sampleData: {lastTestDate: 'n'}}),
  triggerBadName: trig(null, {name: 'trigger_2'}),
  triggerNoDisplayName: trig(null, {displayName: undefined}),
  triggerExtraKeys: trig(null, {foo: 1}, {foo: 2, customLogoUrl: 'u'}),
  triggerBadCustomLogo: trig(null, {}, {customLogoUrl: 5}),
  emptyTrigger: {name:'trigger', type:'EMPTY', displayName:'E', settings:{a:1}, nextAction: code('c1')},
  loopFLA: trig(loop('l', {firstLoopAction: code('c1', {nextAction: code('c2')})}, {}), {}),
  loopChildren: trig(loop('l', {children: [code('c1')]})),
  loopBoth: trig(loop('l', {children: [code('c1')], firstLoopAction: code('c2')})),
  loopEmptyItems: trig(loop('l', {}, {items: ''})),
  loopNoItems: trig(loop('l', {}, {items: undefined})),
  loopNumberItems: trig(loop('l', {}, {items: 5})),
  routerOk: trig(router('r', [cond([[{firstValue:'a', secondValue:'b', operator:'TEXT_CONTAINS'}]]), fb], [code('c1'), null])),
  routerExtraChild: trig(router('r', [fb], [null, code('c1')])),
  routerNoChildren: trig(router('r', [fb], undefined)),
  routerNullChildren: trig(router('r', [fb], null)),
  routerNoBranches: trig(router('r', undefined, [])),
  routerNoExec: trig(router('r', [fb], [null], {}, {executionType: undefined})),
  routerBadExec: trig(router('r', [fb], [null], {}, {executionType: 'ALL'})),
  routerBadBranchType: trig(router('r', [{branchName:'x', branchType:'OTHER'}], [null])),
  routerCondNoConditions: trig(router('r', [{branchName:'x', branchType:'CONDITION'}], [null])),
  routerCondSingle: trig(router('r', [cond([[{firstValue:'a', operator:'EXISTS'}]])], [null])),
  routerCondBadOp: trig(router('r', [cond([[{firstValue:'a', secondValue:'b', operator:'EXISTS_NOT'}]])], [null])),
  routerCondNumSecond: trig(router('r', [cond([[{firstValue:'a', secondValue:5}]])], [null])),
  routerCondCaseNull: trig(router('r', [cond([[{firstValue:'a', secondValue:'b', operator:'TEXT_CONTAINS', caseSensitive:null}]])], [null])),
  routerCondCaseNum: trig(router('r', [cond([[{firstValue:'a', secondValue:'b', operator:'NUMBER_IS_EQUAL_TO', caseSensitive:true}]])], [null])),
  routerEmptyCondVals: trig(router('r', [cond([[{firstValue:'', secondValue:''}]])], [null])),
  routerNoBranchName: trig(router('r', [{branchType:'FALLBACK'}], [null])),
  nestedRouterInLoop: trig(loop('l', {firstLoopAction: router('r', [fb], [code('c1')])})),
  routerInLoopChildrenNoKids: trig(loop('l', {children: [router('r', [fb], undefined)]})),
  codeNoSource: trig(code('c1', {settings: {input: {}}})),
  codeSourceMissingPkg: trig(code('c1', {settings: {input: {}, sourceCode: {code: 'x'}}})),
  codeNoInput: trig(code('c1', {settings: {sourceCode: {code: 'x', packageJson: ''}}})),
  codeInputArray: trig(code('c1', {settings: {sourceCode: {code: 'x', packageJson: ''}, input: []}})),
  codeErrHandling: trig(code('c1', {settings: {sourceCode: {code: 'x', packageJson: ''}, input: {}, errorHandlingOptions: {continueOnFailure: {value: true}, retryOnFailure: {}}}})),
  codeErrHandlingBad: trig(code('c1', {settings: {sourceCode: {code: 'x', packageJson: ''}, input: {}, errorHandlingOptions: {continueOnFailure: {value: 'yes'}}}})),
  codeNoSettings: trig(code('c1', {settings: undefined})),
  codeSkipTrue: trig(code('c1', {skip: true})),
  codeSkipNull: trig(code('c1', {skip: null})),
  codeValidFalse: trig(code('c1', {valid: false})),
  codeValidTrue: trig(code('c1', {valid: true})),
  codeBadName: trig(code('my-step')),
  codeDigitName: trig(code('1step')),
  codeNoDisplayName: trig(code('c1', {displayName: undefined})),
  codeSampleData: trig(code('c1', {settings: {sourceCode: {code: 'x', packageJson: ''}, input: {}, sampleData: {sampleDataFileId: 'f'}}})),
  codeSampleDataBad: trig(code('c1', {settings: {sourceCode: {code: 'x', packageJson: ''}, input: {}, sampleData: {sampleDataFileId: 5}}})),
  codeSampleDataNull: trig(code('c1', {settings: {sourceCode: {code: 'x', packageJson: ''}, input: {}, sampleData: null}})),
  codeChildrenIgnored: trig(code('c1', {children: [code('c2')], firstLoopAction: code('c3')})),
  codeExtraTopKeys: trig(code('c1', {errorHandlingOptions: {}, custom: 1})),
  pieceNoVersion: trig(piece('p1', {pieceVersion: undefined})),
  pieceExact: trig(piece('p1', {pieceVersion: '1.2.3'})),
  pieceBadVersion: trig(piece('p1', {pieceVersion: 'latest'})),
  pieceNoPropSettings: trig(piece('p1', {propertySettings: undefined})),
  piecePropSettingsBad: trig(piece('p1', {propertySettings: {a: {type: 'AUTO'}}})),
  piecePropSettingsOk: trig(piece('p1', {propertySettings: {a: {type: 'MANUAL', schema: {x: 1}}, b: {type: 'DYNAMIC'}}})),
  pieceNoAction: trig(piece('p1', {actionName: undefined})),
  pieceNullAction: trig(piece('p1', {actionName: null})),
  pieceNoInput: trig(piece('p1', {input: undefined})),
  pieceNoSettings: trig(piece('p1', {}, {settings: undefined})),
  deep: trig(router('r', [fb, fb], [loop('l', {firstLoopAction: piece('p2', {}, {nextAction: code('c3', {valid: false})})}), null], {nextAction: code('c4')}), {}),
};
const out = {};
for (const [k, v] of Object.entries(cases)) out[k] = {req: JSON.parse(JSON.stringify(v)), res: imp(v)};
out.oldSampleData = {req: trig(null, {}, {sampleData: {lastTestDate: 'new'}}), old: trig(undefined, {lastUpdatedDate: 'x', valid: true}, {sampleData: {lastTestDate: 'old'}}), res: null};
out.oldSampleData.res = imp(out.oldSampleData.req, out.oldSampleData.old);
fs.writeFileSync(path, '{\n' + Object.entries(out).map(([k, v]) => JSON.stringify(k) + ': ' + JSON.stringify(v)).join(',\n') + '\n}\n');
console.log(Object.keys(out).length, 'cases');
