export { defineSuite } from './define-suite.js';
export { fullOptions, measureSuite, quickOptions } from './measure.js';
export {
  type BenchTarget,
  type BenchTargets,
  checkTargets,
  type ExtraResults,
  formatRatio,
  formatTime,
  type Report,
  type ReportInput,
  readReportInput,
  renderChart,
  renderReport,
  shortName,
  type TargetVerdict,
  type WriteReportOptions,
  writeReport,
} from './report.js';
export {
  findWorkspaceRoot,
  machineInfo,
  type RunOptions,
  resultsFileName,
  resultsFolder,
  runPackageBenchmarks,
  writeExtraResults,
} from './run-package.js';
export { median } from './statistics.js';
export type {
  BenchFunction,
  BenchSuite,
  CaseResult,
  MeasureOptions,
  PackageResults,
  SuiteResult,
} from './types.js';
