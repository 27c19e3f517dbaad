// The plugin a campaign uses unless told otherwise: every registered target and the reference
// model's oracle (fuzz/campaign/plugin.ts).
import '../targets.js';
export { getTarget } from '../../spec/target.js';
export { modelOracle as oracle } from '../../triage/runner.js';
