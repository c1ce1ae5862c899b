import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { DATA_CATALOG } from '../../../services/governance/dataCatalog';
import { COLLECTIONS } from '../../../services/storage/mongoConnection';

const ROOT = path.resolve(__dirname, '../../..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('data catalog', () => {
  it('when the collections are listed, then every one has a category and a retention rule', () => {
    for (const name of Object.values(COLLECTIONS)) assert.ok(DATA_CATALOG[name], `${name} is catalogued`);
  });

  it('when the code names a collection directly, then it is catalogued too', () => {
    const named = new Set<string>();
    for (const file of [...sources(path.join(ROOT, 'services')), ...sources(path.join(ROOT, 'bot'))]) {
      for (const m of readFileSync(file, 'utf8').matchAll(/db\.collection(?:<[^>]*>)?\('([A-Za-z]+)'\)/g)) named.add(m[1]);
    }
    for (const name of named) assert.ok(DATA_CATALOG[name], `${name} is catalogued`);
  });

  it('when consent and audit are catalogued, then they follow the consent and audit retention periods', () => {
    assert.equal(DATA_CATALOG[COLLECTIONS.consents].retention, 'consent');
    assert.equal(DATA_CATALOG[COLLECTIONS.audit].retention, 'audit');
    assert.equal(DATA_CATALOG[COLLECTIONS.accessLog].retention, 'log');
  });

  it('when the consent ledger, its heads, the campaigns, the published notice versions and the operator audit trail are catalogued, then they keep the consent and audit periods', () => {
    for (const name of ['consentLedger', 'consentLedgerHeads', 'noticeCampaigns', 'noticeCampaignRecipients', 'noticeVersions']) {
      assert.equal(DATA_CATALOG[name]?.retention, 'consent', `${name} follows the consent period (at least six years)`);
      assert.equal(DATA_CATALOG[name]?.category, 'consent');
    }
    assert.equal(DATA_CATALOG.operatorAudit?.retention, 'audit');
    assert.ok(DATA_CATALOG.noticeDrafts, 'drafts are catalogued');
  });
});
