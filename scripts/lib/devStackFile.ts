import path from 'node:path';
import { REPO_ROOT } from './demoEnvironment';

/** Written by `npm run dev` while the stack runs: where its database and playground are. */
export const DEV_STACK_FILE = path.join(REPO_ROOT, '.data', 'dev-stack.json');

/** The running dev stack's addresses. */
export interface DevStack {
  mongoUri: string;
  mongoDb: string;
  playgroundUrl: string;
  botUrl: string;
}
