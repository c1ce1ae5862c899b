/**
 * `npm run evidence -- --request ID|REFERENCE | --person AAD_ID|UPN --as OPERATOR [--out DIR]`: writes the
 * evidence pack as JSON and its HTML summary into DIR (default ./evidence). Auditors and administrators only;
 * recorded in the access log. `--breach BR-…` and `--third-parties` write the evidence of a breach notification
 * and of the third-party integrations register (JSON, every hash chain verified).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { renderEvidenceHtml } from '../services/evidence/evidenceHtml';
import { EvidenceService } from '../services/evidence/evidencePack';
import { GovernanceEvidence } from '../services/evidence/governanceEvidence';
import { NotFoundError } from '../services/workflow/errors';
import { openOperatorContext, runTool } from './lib/operator';

runTool(async () => {
  const { values } = parseArgs({
    options: { request: { type: 'string' }, person: { type: 'string' }, breach: { type: 'string' }, 'third-parties': { type: 'boolean' }, as: { type: 'string' }, out: { type: 'string', default: 'evidence' } },
  });
  if ([values.request, values.person, values.breach, values['third-parties']].filter(Boolean).length !== 1) {
    console.error('Usage: npm run evidence -- (--request ID | --person AAD_ID | --breach BR-… | --third-parties) --as OPERATOR [--out DIR]');
    return 2;
  }
  const ctx = await openOperatorContext(values.as);
  try {
    // Breach notifications and the third-party register have evidence of their own (JSON, chains verified).
    if (values.breach || values['third-parties']) {
      const governance = new GovernanceEvidence(ctx.db, ctx.audit, ctx.accessLog);
      const pack = values.breach ? await governance.forBreach(ctx.actor, values.breach.toUpperCase(), 'cli') : await governance.thirdPartyRegister(ctx.actor, 'cli');
      const ok = pack.kind === 'breachNotification' ? pack.audit.chains.ok : pack.integrity.ok;
      mkdirSync(values.out!, { recursive: true });
      const file = path.join(values.out!, pack.kind === 'breachNotification' ? `evidence-breach-${pack.breach._id}.json` : 'evidence-third-party-register.json');
      writeFileSync(file, `${JSON.stringify(pack, null, 2)}\n`);
      console.log(file);
      console.log(`integrity ${ok ? 'verified' : 'FAILED'}`);
      return ok ? 0 : 1;
    }
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
