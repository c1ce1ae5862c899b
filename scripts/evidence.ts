/**
 * `npm run evidence -- --request ID|REFERENCE | --person AAD_ID|UPN --as OPERATOR [--out DIR]`: writes the
 * evidence pack as JSON and its HTML summary into DIR (default ./evidence). Auditors and administrators only;
 * recorded in the access log.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { renderEvidenceHtml } from '../services/evidence/evidenceHtml';
import { EvidenceService } from '../services/evidence/evidencePack';
import { NotFoundError } from '../services/workflow/errors';
import { openOperatorContext, runTool } from './lib/operator';

runTool(async () => {
  const { values } = parseArgs({ options: { request: { type: 'string' }, person: { type: 'string' }, as: { type: 'string' }, out: { type: 'string', default: 'evidence' } } });
  if (Boolean(values.request) === Boolean(values.person)) {
    console.error('Usage: npm run evidence -- (--request ID | --person AAD_ID) --as OPERATOR [--out DIR]');
    return 2;
  }
  const ctx = await openOperatorContext(values.as);
  try {
    const started = process.hrtime.bigint();
    const service = new EvidenceService(ctx.db, ctx.audit, ctx.accessLog, { dataResidencyRegion: ctx.config.governance.dataResidencyRegion }, ctx.graph.groups);
    let pack;
    if (values.request) {
      pack = await service.forRequest(ctx.actor, values.request, 'cli');
    } else {
      const person = await ctx.graph.directory.getUser(values.person!);
      pack = await service.forPerson(ctx.actor, person?.id ?? values.person!, 'cli');
      if (!pack.requests.length && !pack.person?.consents.length) throw new NotFoundError('person with records', values.person!);
    }
    const html = renderEvidenceHtml(pack);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    mkdirSync(values.out!, { recursive: true });
    const base = path.join(values.out!, `evidence-${pack.scope.kind}-${pack.scope.id}`);
    writeFileSync(`${base}.json`, `${JSON.stringify(pack, null, 2)}\n`);
    writeFileSync(`${base}.html`, html);
    console.log(`${base}.json`);
    console.log(`${base}.html`);
    console.log(`${pack.requests.length} request(s), integrity ${pack.integrity.ok ? 'verified' : 'FAILED'}, built in ${ms.toFixed(0)} ms`);
    return pack.integrity.ok ? 0 : 1;
  } finally {
    await ctx.close();
  }
});
