/**
 * CLI: `npx tsx graphsim/main.ts [--port 5990] [--host 127.0.0.1] [--tenant graphsim/tenants/demo.json] [--require-auth] [--no-throttle] [--throttle-scale 0.1]`.
 * Prints one JSON line `{"url": ...}` when ready (scripts wait for it) and stops on SIGINT/SIGTERM.
 */
import path from 'node:path';
import { createLogger } from '../bot/logger';
import { startGraphSimulator } from './graphSimulator';
import { intuneThrottling } from './throttling';
import { loadTenantFixture } from './tenantFixture';

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const port = Number(argValue(args, '--port') ?? process.env.GRAPHSIM_PORT ?? 5990);
  const host = argValue(args, '--host') ?? '127.0.0.1';
  const tenantPath = path.resolve(argValue(args, '--tenant') ?? path.join(__dirname, 'tenants', 'demo.json'));
  // Logs go to stderr so stdout carries only the ready line.
  const logger = createLogger(process.env.LOG_LEVEL ?? 'info', process.stderr).child({ component: 'graphsim' });
  // Intune's published limits unless turned off; --throttle-scale 0.1 allows a tenth of them.
  const scale = Number(argValue(args, '--throttle-scale') ?? 1);
  const throttling = args.includes('--no-throttle') ? false : intuneThrottling(scale);
  const sim = await startGraphSimulator({ port, host, tenant: loadTenantFixture(tenantPath), logger, requireAuth: args.includes('--require-auth'), throttling });
  console.log(JSON.stringify({ url: sim.url, port: sim.port, tenant: tenantPath }));
  const stop = (signal: string) => {
    logger.info({ signal }, 'graph simulator stopping');
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
