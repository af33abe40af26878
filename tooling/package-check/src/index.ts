export { checkPackage, type PackageCheckResult } from './check-package.js';
export { type CheckOutcome, runAttw, runPublint } from './lint-tarball.js';
export { extractTarball, packPackage } from './pack.js';
export { type ImportSize, measureImport, readSizeBudget, type SizeBudget } from './size-budget.js';
