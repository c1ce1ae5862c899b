/**
 * `npm run breach -- <command> --as OPERATOR …`: breach notification from the command line (IT Security and
 * administrators), the same use cases as the incident card in Teams; the running bot delivers the notices.
 *
 *   declare --incident INC-… --regulations HIPAA,GDPR (--group ID | --devices ID,ID | --people UPN,UPN) [--text-file notice.txt]
 *   preview --breach BR-…         the notice as the first affected person will read it
 *   send --breach BR-…            send the notice to every affected person
 *   authority --breach BR-… --regulation GDPR   record that the supervisory authority was told
 *   close --breach BR-…           close (or cancel a draft)
 *   status --breach BR-…          counts and deadlines
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { noticeTextFor } from '../services/breach/breachEffects';
import type { AffectedSelector } from '../services/breach/breachRepository';
import { governanceContext } from './lib/governanceContext';
import { runCommand, UsageError } from './lib/operatorContext';

const list = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);

runCommand(async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      as: { type: 'string' },
      incident: { type: 'string' },
      regulations: { type: 'string' },
      group: { type: 'string' },
      devices: { type: 'string' },
      people: { type: 'string' },
      'text-file': { type: 'string' },
      breach: { type: 'string' },
      regulation: { type: 'string' },
    },
  });
  const [command] = positionals;
  if (!['declare', 'preview', 'send', 'authority', 'close', 'status'].includes(command ?? '')) throw new UsageError('Usage: npm run breach -- declare|preview|send|authority|close|status --as OPERATOR … (see scripts/breach.ts)');
  if (command !== 'declare' && !values.breach) throw new UsageError('--breach BR-XXXXXX is required');
  const ctx = await governanceContext(values.as);
  try {
    const id = values.breach?.toUpperCase() ?? '';
    switch (command) {
      case 'declare': {
        if (!values.incident) throw new UsageError('--incident is required');
        const affected: AffectedSelector | undefined = values.group
          ? { kind: 'group', groupId: values.group }
          : values.devices
            ? { kind: 'devices', deviceIds: list(values.devices) }
            : values.people
              ? { kind: 'people', people: list(values.people) }
              : undefined;
        if (!affected) throw new UsageError('Choose the affected people: --group ID, --devices ID,ID or --people UPN,UPN');
        const text = values['text-file'] ? readFileSync(values['text-file'], 'utf8') : undefined;
        const b = await ctx.breaches.declare({ incidentId: values.incident, actor: ctx.actor, regulations: list(values.regulations), affected, text });
        console.log(`${b._id}: draft, ${b.recipientCount} people; deadlines ${b.deadlines.map((d) => `${d.regulation} ${d.dueAt}`).join(', ')}. Preview it, then: npm run breach -- send --breach ${b._id}`);
        break;
      }
      case 'preview': {
        const b = await ctx.breaches.get(id);
        const [first] = await ctx.breachRepo.notices.find({ breachId: id }).sort({ _id: 1 }).limit(1).toArray();
        if (!b) throw new UsageError(`No breach ${id}`);
        console.log(noticeTextFor(b, first?.person.displayName ?? 'Alex Example'));
        break;
      }
      case 'send':
        console.log(`${(await ctx.breaches.send(id, ctx.actor)).recipientCount} notices queued; the bot sends them.`);
        break;
      case 'authority':
        if (!values.regulation) throw new UsageError('--regulation is required');
        await ctx.breaches.authorityNotified(id, ctx.actor, values.regulation);
        console.log(`${values.regulation.toUpperCase()} authority notification recorded for ${id}.`);
        break;
      case 'close':
        console.log(`${id}: ${(await ctx.breaches.close(id, ctx.actor)).state}.`);
        break;
      case 'status': {
        const b = await ctx.breaches.get(id);
        if (!b) throw new UsageError(`No breach ${id}`);
        console.log(JSON.stringify({ id: b._id, state: b.state, incidentId: b.incidentId, counts: await ctx.breachRepo.counts(id), deadlines: b.deadlines }, null, 2));
        break;
      }
    }
  } finally {
    await ctx.close();
  }
});
