/**
 * `npm run notice -- <command>`: the published data-collection notices.
 *   list                                  every published version in the database, with its hash and what changed
 *   draft --ownership personal [--version V]   print the text the content would publish now
 *   publish --ownership personal --version V --summary "…" [--material] [--deadline YYYY-MM-DD] [--text file.txt] [--at ISO] [--as admin@contoso.com]
 *                                         store a version in the database (administrators only), audited; the text
 *                                         defaults to the draft; every bot instance serves it within NOTICE_CACHE_SECONDS.
 *                                         It starts the version's change-notice campaign (the running bot carries it
 *                                         out): deadline by --deadline, else NOTICE_DEADLINE_DAYS from when it takes effect
 *   campaign [--ownership personal --version V]   every campaign's progress (told, answered, pending, unreachable, access removed)
 *   verify                                check every published text, in the seed file and the database, against its hash
 * `--file` names another seed file (default: services/content/notices/published.json); its versions are stored in
 * the database when missing, before any command that reads the database.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { draftConsentText } from '../services/content/consentText';
import { noticeProblems, type PublishedNotice } from '../services/content/notices/noticeRegistry';
import type { Db } from 'mongodb';
import { campaignCountsOf, CAMPAIGN_COLLECTIONS, startCampaign, type NoticeCampaign } from '../services/consent/noticeCampaigns';
import { NoticePublisher } from '../services/consent/noticePublisher';
import { NoticeVersionStore } from '../services/consent/noticeVersions';
import { JobQueue } from '../services/jobs/jobQueue';
import { OperatorAuditLog, requireRole } from '../services/consent/operatorAuditLog';
import { OWNERSHIPS, type Ownership } from '../services/workflow/model';
import { operatorContext, runCommand, UsageError } from './lib/operatorContext';

const REGISTRY = path.resolve(__dirname, '..', 'services', 'content', 'notices', 'published.json');

function ownershipOf(value: string | undefined): Ownership {
  if (!OWNERSHIPS.includes(value as Ownership)) throw new UsageError(`--ownership must be one of ${OWNERSHIPS.join(', ')}`);
  return value as Ownership;
}

runCommand(async () => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      ownership: { type: 'string' },
      version: { type: 'string' },
      summary: { type: 'string' },
      material: { type: 'boolean', default: false },
      text: { type: 'string' },
      at: { type: 'string' },
      deadline: { type: 'string' },
      as: { type: 'string' },
      file: { type: 'string', default: REGISTRY },
    },
  });
  const FILE = path.resolve(values.file);
  const seeded = async (db: Db) => {
    const store = new NoticeVersionStore(db);
    await store.seed(JSON.parse(readFileSync(FILE, 'utf8')) as PublishedNotice[]);
    return store;
  };
  switch (positionals[0]) {
    case 'list': {
      const ctx = await operatorContext(values.as);
      try {
        for (const n of await (await seeded(ctx.db)).list()) process.stdout.write(`${n.ownership}@${n.version}  ${n.publishedAt}  ${n.material ? 'material' : 'minor'}  ${n.sha256}\n    ${n.summary}\n`);
      } finally {
        await ctx.close();
      }
      return;
    }
    case 'draft': {
      process.stdout.write(`${draftConsentText(ownershipOf(values.ownership), { version: values.version }).text}\n`);
      return;
    }
    case 'verify': {
      const problems = noticeProblems(JSON.parse(readFileSync(FILE, 'utf8')));
      if (problems.length) throw new Error(problems.join('\n'));
      const ctx = await operatorContext(values.as);
      try {
        // Seeding refuses a stored seed version with another hash; listing checks every stored text against its hash.
        const stored = await (await seeded(ctx.db)).list();
        process.stdout.write(`Every published notice matches its SHA-256 (${stored.length} versions in the database).\n`);
      } finally {
        await ctx.close();
      }
      return;
    }
    case 'publish': {
      const ownership = ownershipOf(values.ownership);
      if (!values.version) throw new UsageError('--version is required');
      if (!values.summary?.trim()) throw new UsageError('--summary "what changed" is required');
      const lines = values.text ? readFileSync(values.text, 'utf8').replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n') : draftConsentText(ownership, { version: values.version }).lines;
      const ctx = await operatorContext(values.as);
      try {
        const publisher = new NoticePublisher(await seeded(ctx.db), new OperatorAuditLog(ctx.db));
        const { notice, created } = await publisher.publish(
          { ownership, version: values.version, summary: values.summary, material: values.material, lines, publishedAt: values.at },
          ctx.operator,
        );
        process.stdout.write(`${created ? 'Published' : 'Already published'} ${notice.ownership}@${notice.version} (${notice.material ? 'material' : 'minor'}), SHA-256 ${notice.sha256}, in force from ${notice.publishedAt}.\n`);
        const versions = (await publisher.read()).filter((n) => n.ownership === notice.ownership).sort((a, b) => a.publishedAt.localeCompare(b.publishedAt));
        const previous = versions[versions.findIndex((n) => n.version === notice.version) - 1];
        if (previous) {
          const deadline = values.deadline ? `${values.deadline}T23:59:59.000Z` : new Date(Date.parse(notice.publishedAt) + ctx.config.notices.deadlineDays * 86_400_000).toISOString();
          const jobs = new JobQueue(ctx.db, { owner: 'notice-cli', leaseMs: ctx.config.leases.ttlSeconds * 1000 });
          const campaign = await startCampaign(ctx.db, jobs, { notice, previous, deadline, startedBy: { aadObjectId: ctx.operator.aadObjectId, displayName: ctx.operator.displayName } }, ctx.config.notices.reminderDaysBefore);
          await new OperatorAuditLog(ctx.db).record(ctx.operator, 'notice.campaign', { campaignId: campaign._id, material: campaign.material, deadline: campaign.deadline, previousVersion: previous.version });
          process.stdout.write(`Campaign ${campaign._id} started: everyone with a standing consent to an earlier text is told in Teams by the running bot; deadline ${campaign.deadline}. Follow it with: npm run notice -- campaign --ownership ${notice.ownership} --version ${notice.version}\n`);
        }
      } finally {
        await ctx.close();
      }
      return;
    }
    case 'campaign': {
      const ctx = await operatorContext(values.as);
      try {
        requireRole(ctx.operator, ['admin', 'auditor'], 'view notice campaigns');
        const filter = values.version ? { _id: `${ownershipOf(values.ownership)}@${values.version}` } : {};
        const campaigns = await ctx.db.collection<NoticeCampaign>(CAMPAIGN_COLLECTIONS.campaigns).find(filter).sort({ startedAt: -1 }).toArray();
        if (!campaigns.length) process.stdout.write('No campaign found.\n');
        for (const c of campaigns) {
          const n = await campaignCountsOf(ctx.db, c._id);
          const phase = c.closedAt ? `closed ${c.closedAt}` : c.fanOut.done ? `open until ${c.deadline}` : 'sending';
          process.stdout.write(`${c._id}  ${c.material ? 'material' : 'minor'}  ${phase}\n    concerned ${n.affected}  told ${n.told}  ${c.material ? 'accepted' : 'acknowledged'} ${n.answered}  pending ${n.pending}  unreachable ${n.unreachable}  access removed ${n.accessRemoved}\n`);
        }
      } finally {
        await ctx.close();
      }
      return;
    }
    default:
      throw new UsageError('Usage: npm run notice -- list | draft --ownership <personal|company> | verify | publish --ownership … --version … --summary … [--material] [--deadline YYYY-MM-DD] [--text file] [--at ISO] --as <UPN> | campaign [--ownership … --version …] --as <UPN>');
  }
});
