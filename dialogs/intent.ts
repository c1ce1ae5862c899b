/** What an employee's (or IT's) words ask for. */
export type Intent =
  | { kind: 'request' }
  | { kind: 'status' }
  | { kind: 'cancel' }
  | { kind: 'privacy' }
  | { kind: 'help' }
  | { kind: 'lookup'; who: string }
  | { kind: 'reassign'; reference: string; to: string; reason: string }
  | { kind: 'delegate'; to: string; when: string }
  | { kind: 'delegateCard' }
  | { kind: 'myDelegation' }
  | { kind: 'endDelegation' }
  | { kind: 'myConsents' }
  | { kind: 'myData' }
  | { kind: 'transparency' }
  | { kind: 'withdrawConsent' }
  | { kind: 'withdrawUnclear' }
  /** "I lost my phone", "my phone was stolen": the employee reports a device incident. */
  | { kind: 'lostDevice'; cause: 'lost' | 'stolen' }
  /** IT's "incident for <email>: <what happened>". */
  | { kind: 'openIncident'; who: string; summary: string }
  | { kind: 'thirdParty'; command: 'list' | 'add' | 'review' | 'remove'; id?: string; fields?: Record<string, string>; nextReviewOn?: string }
  /** An administrator drafts a notice publication: "publish notice personal 2027-01-01 material deadline 2027-02-01: summary". */
  | { kind: 'publishNotice'; ownership: 'personal' | 'company'; version: string; material: boolean; deadline?: string; summary: string }
  /** An auditor or administrator asks for a consent export: "export consents for alex@contoso.com from 2026-11-01 to 2026-12-01 version 2026-11-01 as json". */
  | { kind: 'exportConsents'; person?: string; from?: string; to?: string; version?: string; format: 'csv' | 'json' }
  | { kind: 'verifyAudit'; reference?: string }
  | { kind: 'evidence'; target: string }
  | { kind: 'accessLog'; about?: string }
  | { kind: 'unknown' };

/** The part of a message that is read for a command. */
export const MAX_COMMAND_LENGTH = 500;

const RULES: [RegExp, Intent['kind']][] = [
  [/^\s*(help|hi|hello|hey|start|menu|\?)\b/i, 'help'],
  // "Withdraw my consent" is not "withdraw my request": the first ends device management, the second a request.
  [/\b(withdraw|revoke|retract|take back)\b.*\bconsent\b|\bconsent\b.*\b(withdraw|revoke|retract)\b/i, 'withdrawConsent'],
  [/^\W*(withdraw|withdraw (it|mine|that))\W*$/i, 'withdrawUnclear'],
  [/\bmy consents?\b|\bconsent history\b|\bwhat (did|have) i (consent|agree)/i, 'myConsents'],
  [/\bmy (personal )?data\b|\b(data|information) (do|does) (you|the bot) (have|hold|keep|store)|\b(data|information) (you|the bot) (have|hold|keep|store)s? (about|on) me\b/i, 'myData'],
  [/\bwhat (can|does|do|will) (it|my company|the company|my employer|my organi[sz]ation|they) (see|know|collect|access)\b/i, 'transparency'],
  [/\bcancel\b|\bwithdraw\b/i, 'cancel'],
  [/\b(status|progress|where is|where's|what's happening)\b/i, 'status'],
  [/\b(privacy|what (can|do) you (see|collect)|data collect)/i, 'privacy'],
  [/\b(request|phone|mobile|device|tablet|ipad|iphone|android|pixel|galaxy|laptop|macbook|byod|enrol|enroll|use my)\b/i, 'request'],
];

const DEVICE_WORD = /\b(phone|mobile|device|tablet|ipad|iphone|android|pixel|galaxy|laptop|macbook|computer)\b/i;

/**
 * Classifies a message. Teams prefixes channel messages with the bot's @mention, which is stripped first.
 * "status for <name or email>" is IT's lookup of a person's requests.
 */
export function classifyIntent(text: string): Intent {
  // A command is a sentence; the rest of a very long message is not read (every rule is a linear scan anyway).
  const t = text.slice(0, MAX_COMMAND_LENGTH).replace(/<at>[^<]*<\/at>/gi, '').trim();
  const lookup = /^\s*status\s+(?:for|of)\s+(.+)$/i.exec(t);
  if (lookup) return { kind: 'lookup', who: lookup[1].trim() };
  // "reassign DEV-7K3Q2M to dana@contoso.com because I am on leave"
  const reassign = /^\s*reassign\s+(DEV-[A-Za-z0-9]{6})\s+to\s+(\S+?)(?:[\s:,]+(?:because\s+)?(.*))?$/is.exec(t);
  if (reassign) return { kind: 'reassign', reference: reassign[1].toUpperCase(), to: reassign[2], reason: (reassign[3] ?? '').trim() };
  // "delegate approvals to Dana Lee until Friday", "… to dana@contoso.com for 2 weeks", "… from Monday to Friday"
  const delegate = /^\s*delegate\s+(?:my\s+)?approvals?\s+to\s+(.+?)\s+((?:until|till|til|through|thru|from|for)\s+.+)$/i.exec(t);
  if (delegate) return { kind: 'delegate', to: delegate[1].trim(), when: delegate[2].trim() };
  if (/^\s*delegate(\s+my)?(\s+approvals?)?\s*\.?\s*$/i.test(t)) return { kind: 'delegateCard' };
  if (/^\s*(stop|end)\s+(delegating|(my\s+)?delegation)\b/i.test(t)) return { kind: 'endDelegation' };
  const thirdParty = thirdPartyCommand(t);
  if (thirdParty) return thirdParty;
  if (/^\s*(show\s+)?my\s+delegations?\s*\??\s*$|^\s*who\s+(decides|approves)\s+for\s+me\b/i.test(t)) return { kind: 'myDelegation' };
  // "incident for adele@contoso.com: phone left in a taxi" (IT Security opens an incident for someone).
  const incident = /^\s*(?:open\s+(?:an\s+)?)?incident\s+for\s+(\S+?)(?:[\s:,]+(?:because\s+)?(.*))?$/is.exec(t);
  if (incident) return { kind: 'openIncident', who: incident[1], summary: (incident[2] ?? '').trim() };
  // Before the request rule: "I lost my phone" names a phone but asks for help with an incident, not access.
  if (/\b(stolen|stole|theft|robbed)\b/i.test(t) && DEVICE_WORD.test(t)) return { kind: 'lostDevice', cause: 'stolen' };
  if (/\b(lost|lose|losing|misplaced|can'?t find|cannot find|can not find|missing)\b/i.test(t) && DEVICE_WORD.test(t)) return { kind: 'lostDevice', cause: 'lost' };
  const publish = /^\s*publish\s+(?:the\s+)?notice\s+(personal|company)\s+([0-9A-Za-z][0-9A-Za-z._-]{0,39})\s+(material|minor)(?:\s+deadline\s+(\d{4}-\d{2}-\d{2}))?\s*[:\-–]\s*(.+)$/is.exec(t);
  if (publish) {
    const [, ownership, version, weight, deadline, summary] = publish;
    return { kind: 'publishNotice', ownership: ownership.toLowerCase() as 'personal' | 'company', version, material: weight.toLowerCase() === 'material', ...(deadline ? { deadline } : {}), summary: summary.trim() };
  }
  if (/^\s*export\s+(?:the\s+)?consents?\b/i.test(t)) {
    const person = /\bfor\s+(\S+@\S+)/i.exec(t)?.[1];
    const from = /\bfrom\s+(\d{4}-\d{2}-\d{2})\b/i.exec(t)?.[1];
    const to = /\bto\s+(\d{4}-\d{2}-\d{2})\b/i.exec(t)?.[1];
    const version = /\bversion\s+([0-9A-Za-z][0-9A-Za-z._-]{0,39})\b/i.exec(t)?.[1];
    const format = /\bas\s+json\b/i.test(t) ? 'json' : 'csv';
    return { kind: 'exportConsents', ...(person ? { person } : {}), ...(from ? { from } : {}), ...(to ? { to } : {}), ...(version ? { version } : {}), format };
  }
  // Auditors and administrators: "verify audit [DEV-7K3Q2M]", "evidence for <request | person>", "access log".
  const verify = /^\s*verify\s+(?:the\s+)?audit(?:\s+trail)?(?:\s+(?:for|of))?(?:\s+(?!trail\b)(\S+?))?\s*\.?\s*$/i.exec(t);
  if (verify) return verify[1] ? { kind: 'verifyAudit', reference: verify[1] } : { kind: 'verifyAudit' };
  const evidence = /^\s*evidence\s+(?:pack\s+)?(?:for|of)\s+(\S+)\s*$/i.exec(t);
  if (evidence) return { kind: 'evidence', target: evidence[1] };
  const accessLog = /^\s*(?:show\s+(?:me\s+)?)?(?:the\s+)?access\s+log(?:\s+(?:for|of|about)\s+(\S+))?\s*\.?\s*$/i.exec(t);
  if (accessLog) return accessLog[1] ? { kind: 'accessLog', about: accessLog[1] } : { kind: 'accessLog' };
  for (const [re, kind] of RULES) if (re.test(t)) return { kind } as Intent;
  return { kind: 'unknown' };
}

/**
 * IT's third-party register commands: "third parties", "third party add name=…; data=…; owner=…; purpose=…;
 * basis=…; last=YYYY-MM-DD; next=YYYY-MM-DD", "third party review TP-… [next YYYY-MM-DD]", "third party remove TP-…".
 */
function thirdPartyCommand(t: string): Intent | undefined {
  if (/^\s*(third[- ]part(y|ies)|3rd parties)(\s+(list|register))?\s*$/i.test(t)) return { kind: 'thirdParty', command: 'list' };
  const add = /^\s*third[- ]party\s+add\s+(.+)$/is.exec(t);
  if (add) {
    const fields: Record<string, string> = {};
    for (const part of add[1].split(';')) {
      const m = /^\s*([A-Za-z]+)\s*[=:]\s*(.*?)\s*$/s.exec(part);
      if (m) fields[m[1].toLowerCase()] = m[2];
    }
    return { kind: 'thirdParty', command: 'add', fields };
  }
  const review = /^\s*third[- ]party\s+review\s+(TP-[A-Za-z0-9]{6})(?:\s+next\s+(\d{4}-\d{2}-\d{2}))?\s*$/i.exec(t);
  if (review) return { kind: 'thirdParty', command: 'review', id: review[1].toUpperCase(), nextReviewOn: review[2] };
  const remove = /^\s*third[- ]party\s+remove\s+(TP-[A-Za-z0-9]{6})\s*$/i.exec(t);
  if (remove) return { kind: 'thirdParty', command: 'remove', id: remove[1].toUpperCase() };
  return undefined;
}
