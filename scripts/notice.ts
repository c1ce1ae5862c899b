/**
 * `npm run notice -- <command>`: the published data-collection notices.
 *   list                                  every published version, with its hash and what changed
 *   draft --ownership personal [--version V]   print the text the content would publish now
 *   publish --ownership personal --version V --summary "…" [--material] [--text file.txt] [--at ISO] [--as admin@contoso.com]
 *                                         append a version (administrators only), audited; the text defaults to the
 *                                         draft; add its hash to test/unit/content/notices.test.ts in the same commit
 *   verify                                check every published text against its hash
 * `--file` names another registry file (default: services/content/notices/published.json).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { draftConsentText } from '../services/content/consentText';
import { noticeProblems } from '../services/content/notices/noticeRegistry';
import { NoticePublisher } from '../services/consent/noticePublisher';
import { OperatorAuditLog } from '../services/consent/operatorAuditLog';
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
      as: { type: 'string' },
      file: { type: 'string', default: REGISTRY },
    },
  });
  const FILE = path.resolve(values.file);
  const publisher = (audit: OperatorAuditLog) => new NoticePublisher(FILE, audit);
  switch (positionals[0]) {
    case 'list': {
      const all = JSON.parse(readFileSync(FILE, 'utf8')) as ReturnType<NoticePublisher['read']>;
      for (const n of all) process.stdout.write(`${n.ownership}@${n.version}  ${n.publishedAt}  ${n.material ? 'material' : 'minor'}  ${n.sha256}\n    ${n.summary}\n`);
      return;
    }
    case 'draft': {
      process.stdout.write(`${draftConsentText(ownershipOf(values.ownership), { version: values.version }).text}\n`);
      return;
    }
    case 'verify': {
      const problems = noticeProblems(JSON.parse(readFileSync(FILE, 'utf8')));
      if (problems.length) throw new Error(problems.join('\n'));
      process.stdout.write('Every published notice matches its SHA-256.\n');
      return;
    }
    case 'publish': {
      const ownership = ownershipOf(values.ownership);
      if (!values.version) throw new UsageError('--version is required');
      if (!values.summary?.trim()) throw new UsageError('--summary "what changed" is required');
      const lines = values.text ? readFileSync(values.text, 'utf8').replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n') : draftConsentText(ownership, { version: values.version }).lines;
      const ctx = await operatorContext(values.as);
      try {
        const { notice, created } = await publisher(new OperatorAuditLog(ctx.db)).publish(
          { ownership, version: values.version, summary: values.summary, material: values.material, lines, publishedAt: values.at },
          ctx.operator,
        );
        process.stdout.write(`${created ? 'Published' : 'Already published'} ${notice.ownership}@${notice.version} (${notice.material ? 'material' : 'minor'}), SHA-256 ${notice.sha256}, in force from ${notice.publishedAt}.\n`);
        if (created) process.stdout.write(`Pin it in test/unit/content/notices.test.ts:  '${notice.ownership}@${notice.version}': '${notice.sha256}',\n`);
      } finally {
        await ctx.close();
      }
      return;
    }
    default:
      throw new UsageError('Usage: npm run notice -- list | draft --ownership <personal|company> | verify | publish --ownership … --version … --summary … [--material] [--text file] [--at ISO] --as <UPN>');
  }
});
