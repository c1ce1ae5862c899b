/**
 * `npm run thirdparties -- <command> --as OPERATOR …`: the third-party integrations register (IT Security and
 * administrators change it; auditors list it; an entry's owner may record its review). Every change is audited in
 * the entry's hash chain.
 *
 *   list [--all]
 *   add --name … --data … --owner UPN --purpose … --basis contract [--last YYYY-MM-DD] [--next YYYY-MM-DD]
 *   review --id TP-… [--next YYYY-MM-DD]
 *   remove --id TP-…
 */
import { parseArgs } from 'node:util';
import type { LegalBasis } from '../services/workflow/thirdPartyRegister';
import { governanceContext } from './lib/governanceContext';
import { runCommand, UsageError } from './lib/operatorContext';

runCommand(async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      as: { type: 'string' },
      all: { type: 'boolean' },
      id: { type: 'string' },
      name: { type: 'string' },
      data: { type: 'string' },
      owner: { type: 'string' },
      purpose: { type: 'string' },
      basis: { type: 'string' },
      last: { type: 'string' },
      next: { type: 'string' },
    },
  });
  const [command] = positionals;
  if (!['list', 'add', 'review', 'remove'].includes(command ?? '')) throw new UsageError('Usage: npm run thirdparties -- list|add|review|remove --as OPERATOR … (see scripts/thirdParties.ts)');
  if ((command === 'review' || command === 'remove') && !values.id) throw new UsageError('--id TP-XXXXXX is required');
  const ctx = await governanceContext(values.as);
  try {
    const id = values.id?.toUpperCase() ?? '';
    switch (command) {
      case 'list':
        for (const e of await ctx.register.list(ctx.actor, values.all)) {
          console.log([e._id, e.status, e.name, e.owner.displayName, e.legalBasis, `last ${e.lastReviewOn}`, `next ${e.nextReviewOn}`, e.dataShared, e.purpose].join('\t'));
        }
        break;
      case 'add': {
        const e = await ctx.register.add(ctx.actor, {
          name: values.name ?? '',
          dataShared: values.data ?? '',
          owner: values.owner ?? '',
          purpose: values.purpose ?? '',
          legalBasis: (values.basis ?? '') as LegalBasis,
          lastReviewOn: values.last ?? '',
          nextReviewOn: values.next,
        });
        console.log(`${e._id} added; next review ${e.nextReviewOn}.`);
        break;
      }
      case 'review': {
        const e = await ctx.register.review(ctx.actor, id, values.next);
        console.log(`${e._id} reviewed ${e.lastReviewOn}; next review ${e.nextReviewOn}.`);
        break;
      }
      case 'remove':
        console.log(`${(await ctx.register.remove(ctx.actor, id))._id} removed.`);
        break;
    }
  } finally {
    await ctx.close();
  }
});
