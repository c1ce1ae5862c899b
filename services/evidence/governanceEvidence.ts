/**
 * Evidence of a breach notification and of the third-party integrations register, for auditors and regulators:
 * the record as stored, each person's notice (told when, acknowledged when, unreachable why), and every hash
 * chain verified against its head. Authorised like the request evidence pack and recorded in the access log.
 */
import type { Db } from 'mongodb';
import { breachRecord, type BreachExportRow } from '../breach/breachExport';
import { BreachRepository, type Breach } from '../breach/breachRepository';
import { breachAuditStream, noticeAuditStream } from '../breach/breachService';
import type { AccessRecorder, Door } from '../governance/accessLog';
import { authorize } from '../governance/authorization';
import type { AuditRepository, ChainFinding } from '../storage/auditRepository';
import { THIRD_PARTIES_COLLECTION, THIRD_PARTY_AGGREGATE, type ThirdPartyEntry } from '../thirdParties/thirdPartyRegister';
import type { AuditEntry } from '../workflow/model';
import type { Actor } from '../workflow/transition';

/** One chain's verification. */
interface ChainCheck {
  chain: string;
  ok: boolean;
  entries: number;
  firstBad: ChainFinding | null;
}

/** What the evidence of a breach holds. */
export interface BreachEvidence {
  kind: 'breachNotification';
  generatedAt: string;
  generatedBy: { aadObjectId: string; roles: string[]; door: Door };
  breach: Omit<Breach, 'outboxTokens' | 'auditHead'>;
  people: BreachExportRow[];
  audit: { entries: AuditEntry[]; chains: { ok: boolean; checked: number; problems: ChainCheck[] } };
}

/** What the evidence of the register holds. */
export interface RegisterEvidence {
  kind: 'thirdPartyRegister';
  generatedAt: string;
  generatedBy: { aadObjectId: string; roles: string[]; door: Door };
  entries: (Omit<ThirdPartyEntry, 'outboxTokens' | 'auditHead'> & { history: AuditEntry[]; chain: ChainCheck })[];
  integrity: { ok: boolean };
}

/** Builds breach and register evidence for auditors and administrators. */
export class GovernanceEvidence {
  private readonly breaches: BreachRepository;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditRepository,
    private readonly accessLog: AccessRecorder,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.breaches = new BreachRepository(db);
  }

  private async check(stream: string): Promise<ChainCheck & { list: AuditEntry[] }> {
    const { entries, report } = await this.audit.readAndVerify(stream);
    return { chain: stream, ok: report.ok, entries: entries.length, firstBad: report.firstBad ?? null, list: entries };
  }

  /** The evidence of one breach notification. */
  async forBreach(actor: Actor, breachId: string, door: Door): Promise<BreachEvidence> {
    authorize(actor, 'exportEvidence');
    await this.accessLog.record({ actor, door, action: 'exportEvidence', subject: { kind: 'breach', id: breachId } });
    const { breach, rows } = await breachRecord(this.breaches, breachId);
    const { outboxTokens: _t, auditHead: _h, ...stored } = breach;
    const own = await this.check(breachAuditStream(breachId));
    const problems: ChainCheck[] = own.ok ? [] : [own];
    const entries = [...own.list];
    for (const r of rows) {
      const c = await this.check(noticeAuditStream(`${breachId}:${r.aadObjectId}`));
      if (!c.ok && c.entries > 0) problems.push(c);
      entries.push(...c.list);
    }
    return {
      kind: 'breachNotification',
      generatedAt: this.clock().toISOString(),
      generatedBy: { aadObjectId: actor.aadObjectId, roles: [...actor.roles], door },
      breach: stored,
      people: rows,
      audit: { entries, chains: { ok: problems.length === 0, checked: 1 + rows.length, problems: problems.map(({ chain, ok, entries: n, firstBad }) => ({ chain, ok, entries: n, firstBad })) } },
    };
  }

  /** The register with every entry's history and chain verification (removed entries included). */
  async thirdPartyRegister(actor: Actor, door: Door): Promise<RegisterEvidence> {
    authorize(actor, 'exportEvidence');
    await this.accessLog.record({ actor, door, action: 'exportEvidence', subject: { kind: 'thirdPartyRegister', id: 'register' } });
    const stored = await this.db.collection<ThirdPartyEntry>(THIRD_PARTIES_COLLECTION).find({}).sort({ name: 1 }).toArray();
    const entries = [];
    for (const e of stored) {
      const { outboxTokens: _t, auditHead: _h, ...rest } = e;
      const c = await this.check(`${THIRD_PARTY_AGGREGATE}:${e._id}`);
      entries.push({ ...rest, history: c.list, chain: { chain: c.chain, ok: c.ok, entries: c.entries, firstBad: c.firstBad } });
    }
    return {
      kind: 'thirdPartyRegister',
      generatedAt: this.clock().toISOString(),
      generatedBy: { aadObjectId: actor.aadObjectId, roles: [...actor.roles], door },
      entries,
      integrity: { ok: entries.every((e) => e.chain.ok) },
    };
  }
}
