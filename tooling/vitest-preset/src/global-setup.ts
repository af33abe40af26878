import { ensureServices, type ServiceName } from '@x/test-services';
import type { TestProject } from 'vitest/node';

/** Runs once per test run: every service the package named must answer before a test starts. */
export default async function setup(project: TestProject): Promise<void> {
  const provided = project.config.provide as { xServices?: ServiceName[] };
  await ensureServices(provided.xServices ?? []);
}
