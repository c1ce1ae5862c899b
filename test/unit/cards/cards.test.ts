import assert from 'node:assert/strict';
import { renderApprovalCard, MAX_REFRESH_USER_IDS } from '../../../cards/approvalCard';
import { renderComplianceCard } from '../../../cards/complianceCard';
import { renderConsentCard } from '../../../cards/consentCard';
import { renderEnrollmentCard } from '../../../cards/enrollmentCard';
import { escapeCardText, escapedLines } from '../../../cards/escape';
import { FIXTURE_LIST, FIXTURE_NOW, FIXTURE_PEOPLE, FIXTURE_REQUESTS, HOSTILE_JUSTIFICATION, HOSTILE_MODEL } from '../../../cards/fixtures';
import { renderItCard } from '../../../cards/itCard';
import { renderLookupCard, LOOKUP_MAX_ROWS } from '../../../cards/lookupCard';
import { renderNoticeCard } from '../../../cards/noticeCard';
import { renderNotificationCard } from '../../../cards/notificationCard';
import { CardTemplateError, renderTemplate } from '../../../cards/renderTemplate';
import { renderRequestFormCard } from '../../../cards/requestFormCard';
import { isCancellable, renderRequestStatusCard } from '../../../cards/requestStatusCard';
import { ALL_VERBS, CARD_ACTION_DATA_KEYS, InputId, Verb, isVerb } from '../../../cards/verbs';
import { consentTextFor } from '../../../services/content/consentText';
import { remediationFor } from '../../../services/content/remediation';
import type { RequestState } from '../../../services/workflow/model';
import { ALL_CARDS, NOTIFY_AUDIENCES, NOTIFY_TOPICS } from './cardCatalogue';
import { allActions, cardProblems, elementsOfType } from './cardValidation';

const execute = (card: object) => allActions(card).filter((a) => a.type === 'Action.Execute');
const interactive = (card: object) => allActions(card).filter((a) => a.type === 'Action.Execute' || a.type === 'Action.Submit' || a.type === 'Action.ShowCard');
const inputs = (card: object) => elementsOfType(card, 'Input.Text').concat(elementsOfType(card, 'Input.ChoiceSet'));
const verbs = (card: object) => execute(card).map((a) => a.verb);

describe('cards', () => {
  describe('every card × every fixture', () => {
    for (const [name, render] of ALL_CARDS) {
      describe(name, () => {
        const card = render();
        const json = JSON.stringify(card);

        it('when parsed by adaptivecards at 1.5, then there are no parse or validation events', () => {
          assert.deepEqual(cardProblems(card), []);
          assert.equal(card.version, '1.5');
        });

        it('when expanded, then no ${ binding is left', () => {
          assert.ok(!json.includes('${'), json.slice(json.indexOf('${') - 40, json.indexOf('${') + 40));
        });

        it('when it has Action.Execute, then each has an Action.Submit fallback with the same title and data', () => {
          for (const a of execute(card)) {
            const fallback = a.fallback as Record<string, unknown> | undefined;
            assert.ok(fallback, `${String(a.title)} has no fallback`);
            assert.equal(fallback.type, 'Action.Submit');
            assert.equal(fallback.title, a.title);
            assert.deepEqual(fallback.data, a.data);
            assert.equal((a.data as Record<string, unknown>).verb, a.verb);
            assert.ok(isVerb(a.verb), `unknown verb ${String(a.verb)}`);
          }
        });

        it('when it carries action data, then the data holds only verb, ids, version and textHash', () => {
          const datas = [...allActions(card), ...(card.refresh ? [(card.refresh as { action: Record<string, unknown> }).action] : [])]
            .filter((a) => a.type === 'Action.Execute' || a.type === 'Action.Submit')
            .map((a) => a.data as Record<string, unknown>);
          for (const d of datas) {
            for (const key of Object.keys(d)) assert.ok((CARD_ACTION_DATA_KEYS as string[]).includes(key), `data has ${key}`);
            assert.ok(isVerb(d.verb));
          }
        });

        it('when serialized, then it stays under 40 KB', () => {
          assert.ok(Buffer.byteLength(json, 'utf8') < 40 * 1024, `${Buffer.byteLength(json)} bytes`);
        });

        it('when typed text is hostile, then no link, mention, HTML, template or bidi trick survives outside input values', () => {
          // An input's value is plain text the person is editing, not rendered markdown: it is given back as typed.
          const shown = JSON.stringify(card, (key, value) => (key === 'value' && typeof value === 'string' ? '' : value));
          for (const bad of ['evil.example', '](', '<at>', '<b>', '&lt;', '{{DATE(2026-01-01', '\u202E', '\u202C', 'www.evil']) {
            assert.ok(!shown.includes(bad), `card contains ${JSON.stringify(bad)}`);
          }
        });

        it('when text was typed by a person, then it appears only in TextRuns, never in markdown TextBlocks', () => {
          const markdown = [
            ...elementsOfType(card, 'TextBlock').map((t) => String(t.text)),
            ...elementsOfType(card, 'FactSet').flatMap((f) => (f.facts as { title: string; value: string }[]).flatMap((x) => [x.title, x.value])),
          ];
          for (const text of markdown) assert.ok(!/evil|payments|Dana Lee<|gnp/.test(text), `typed text in a TextBlock: ${text}`);
        });
      });
    }
  });

  describe('notifications: every topic × audience × fixture', () => {
    for (const topic of NOTIFY_TOPICS) {
      for (const audience of NOTIFY_AUDIENCES) {
        it(`when ${topic} for the ${audience}, then every fixture renders a valid, escaped card`, () => {
          for (const [fixture, r] of FIXTURE_LIST) {
            const card = renderNotificationCard(r, topic, audience);
            const json = JSON.stringify(card);
            assert.deepEqual(cardProblems(card), [], fixture);
            assert.ok(!json.includes('${') && !json.includes('evil.example') && !json.includes(']('), fixture);
            for (const a of execute(card)) assert.deepEqual((a.fallback as Record<string, unknown>).data, a.data);
          }
        });
      }
    }

    it('when a request is denied, then the requester sees the reason as escaped detail', () => {
      const json = JSON.stringify(renderNotificationCard(FIXTURE_REQUESTS.denied, 'denied', 'requester'));
      assert.match(json, /patient data/);
      assert.ok(elementsOfType(renderNotificationCard(FIXTURE_REQUESTS.denied, 'denied', 'requester'), 'TextRun').some((t) => /patient data/.test(String(t.text))));
    });
  });

  describe('approval card', () => {
    for (const [fixture, r] of FIXTURE_LIST) {
      it(`when the approver views ${fixture}, then buttons and inputs appear only while pending approval`, () => {
        const card = renderApprovalCard(r, { viewer: 'approver', refreshUserIds: ['29:a'] });
        const pending = r.state === 'pendingApproval';
        assert.equal(interactive(card).length > 0, pending);
        assert.equal(inputs(card).length > 0, pending);
        if (pending) assert.deepEqual(verbs(card).sort(), [Verb.ApprovalApprove, Verb.ApprovalDeny, Verb.ApprovalReassign].sort());
      });

      it(`when anyone else views ${fixture}, then there are no buttons or inputs`, () => {
        const card = renderApprovalCard(r, { viewer: 'other', refreshUserIds: [] });
        assert.equal(interactive(card).length, 0);
        assert.equal(inputs(card).length, 0);
      });
    }

    it('when denying, then the reason is required and sits in the Deny ShowCard with the deny verb', () => {
      const card = renderApprovalCard(FIXTURE_REQUESTS.pendingApproval, { viewer: 'approver', refreshUserIds: [] });
      const show = allActions(card).find((a) => a.type === 'Action.ShowCard') as { card: object };
      const reason = elementsOfType(show.card, 'Input.Text').find((i) => i.id === InputId.Reason);
      assert.ok(reason && reason.isRequired === true && typeof reason.errorMessage === 'string');
      assert.deepEqual(verbs(show.card), [Verb.ApprovalDeny]);
      const comment = elementsOfType(card.body, 'Input.Text').find((i) => i.id === InputId.Comment);
      assert.ok(comment && !comment.isRequired);
    });

    it('when refresh user ids are given, then refresh carries the refresh verb and at most 60 ids; when none, refresh is omitted', () => {
      const ids = Array.from({ length: 70 }, (_, i) => `29:user${i}`);
      const card = renderApprovalCard(FIXTURE_REQUESTS.pendingApproval, { viewer: 'approver', refreshUserIds: ids });
      const refresh = card.refresh as { action: { verb: string; data: { verb: string; requestId: string } }; userIds: string[] };
      assert.equal(refresh.action.verb, Verb.ApprovalRefresh);
      assert.deepEqual(refresh.action.data, { verb: Verb.ApprovalRefresh, requestId: FIXTURE_REQUESTS.pendingApproval._id });
      assert.equal(refresh.userIds.length, MAX_REFRESH_USER_IDS);
      assert.equal(renderApprovalCard(FIXTURE_REQUESTS.pendingApproval, { viewer: 'other', refreshUserIds: [] }).refresh, undefined);
    });

    it('when the request was decided, then the card names who decided and shows the reason', () => {
      const json = JSON.stringify(renderApprovalCard(FIXTURE_REQUESTS.denied, { viewer: 'approver', refreshUserIds: [] }));
      assert.match(json, /Denied by Dana Lee/);
      assert.match(json, /patient data/);
    });
  });

  describe('IT card', () => {
    for (const [fixture, r] of FIXTURE_LIST) {
      it(`when IT views ${fixture}, then Confirm/Deny appear only in pendingItReview and Check again only while checking`, () => {
        const v = verbs(renderItCard(r, { viewer: 'it' }));
        assert.equal(v.includes(Verb.ItConfirm) && v.includes(Verb.ItDeny), r.state === 'pendingItReview');
        assert.equal(v.includes(Verb.ComplianceRecheck), r.state === 'nonCompliant' || r.state === 'complianceUndetermined');
      });
      it(`when someone outside IT views ${fixture}, then there are no buttons`, () => {
        assert.equal(interactive(renderItCard(r, { viewer: 'other' })).length, 0);
      });
    }

    it('when the device is not compliant, then an attention container lists the failing settings', () => {
      const card = renderItCard(FIXTURE_REQUESTS.nonCompliant, { viewer: 'it' });
      const alert = elementsOfType(card, 'Container').find((c) => c.style === 'attention');
      assert.ok(alert);
      const text = JSON.stringify(alert);
      assert.match(text, /Passcode required/);
      assert.match(text, /Minimum OS version/);
      assert.doesNotMatch(text, /Block jailbroken/);
    });

    it('when in the grace period, then the alert is a warning with the end date', () => {
      const card = renderItCard(FIXTURE_REQUESTS.nonCompliantGrace, { viewer: 'it' });
      assert.ok(elementsOfType(card, 'Container').some((c) => c.style === 'warning' && /grace period ends/.test(JSON.stringify(c))));
    });

    it('when rendered, then refresh uses it.refresh and no userIds list, so every channel member gets their own view', () => {
      const card = renderItCard(FIXTURE_REQUESTS.pendingItReview, { viewer: 'it' });
      const refresh = card.refresh as { action: { verb: string }; userIds?: string[] };
      assert.equal(refresh.action.verb, Verb.ItRefresh);
      assert.equal(refresh.userIds, undefined);
    });

    it('when consent was recorded, then the card shows its text version and short hash', () => {
      const json = JSON.stringify(renderItCard(FIXTURE_REQUESTS.pendingItReview, { viewer: 'it' }));
      assert.ok(json.includes(FIXTURE_REQUESTS.pendingItReview.consent.textVersion));
      assert.ok(json.includes(FIXTURE_REQUESTS.pendingItReview.consent.textHash.slice(0, 12)));
    });
  });

  describe('status card', () => {
    for (const [fixture, r] of FIXTURE_LIST) {
      it(`when ${fixture}, then Cancel is offered exactly while the request is cancellable`, () => {
        const card = renderRequestStatusCard(r, { now: FIXTURE_NOW });
        assert.equal(verbs(card).includes(Verb.RequestCancel), isCancellable(r));
        assert.ok(verbs(card).includes(Verb.RequestStatus));
      });
    }

    it('when a state is terminal or granting, then it is not cancellable', () => {
      const closed: RequestState[] = ['denied', 'cancelled', 'consentDeclined', 'granted', 'expired', 'granting'];
      for (const state of closed) assert.equal(isCancellable({ state }), false, state);
    });

    it('when awaiting enrollment, then the deadline and the time left are shown', () => {
      const json = JSON.stringify(renderRequestStatusCard(FIXTURE_REQUESTS.awaitingEnrollment, { now: FIXTURE_NOW }));
      assert.match(json, /Enroll by/);
      assert.match(json, /in 3 days/);
    });
  });

  describe('consent card', () => {
    it('when unanswered, then both answers carry the SHA-256 of the text shown', () => {
      const consent = consentTextFor('company');
      const card = renderConsentCard(FIXTURE_REQUESTS.awaitingConsent, consent);
      const datas = allActions(card)
        .filter((a) => a.type === 'Action.Execute')
        .map((a) => a.data as Record<string, unknown>);
      assert.deepEqual(datas.map((d) => d.verb).sort(), [Verb.ConsentAccept, Verb.ConsentDecline].sort());
      for (const d of datas) assert.equal(d.textHash, consent.sha256);
    });

    it('when rendered, then the TextBlocks of the text rebuild exactly the hashed text', () => {
      const consent = consentTextFor('personal');
      const card = renderConsentCard({ ...FIXTURE_REQUESTS.awaitingConsent, device: { ...FIXTURE_REQUESTS.awaitingConsent.device, ownership: 'personal' } }, consent);
      const textContainer = (card.body as Record<string, unknown>[]).find((b) => b.type === 'Container' && b.style === 'default') as { items: { text: string; spacing: string }[] };
      const rebuilt = textContainer.items.flatMap((t, i) => (i > 0 && t.spacing === 'Medium' ? ['', t.text] : [t.text])).join('\n');
      assert.equal(rebuilt, consent.text);
      assert.ok(JSON.stringify(card).includes(consent.sha256.slice(0, 12)));
    });

    it('when answered, then the recorded answer shows and there are no buttons', () => {
      const card = renderConsentCard(FIXTURE_REQUESTS.pendingItReview, consentTextFor('company'));
      assert.equal(interactive(card).length, 0);
      assert.match(JSON.stringify(card), /You consented on/);
    });
  });

  describe('enrollment and compliance cards', () => {
    it('when awaiting enrollment, then the card offers "I\'ve enrolled" and the platform steps', () => {
      const card = renderEnrollmentCard(FIXTURE_REQUESTS.awaitingEnrollment);
      assert.deepEqual(verbs(card), [Verb.EnrollmentDone]);
      assert.match(JSON.stringify(card), /Access work or school/);
      assert.match(JSON.stringify(card), /Please finish by/);
    });

    it('when noncompliant, then every failing setting has its remediation and Check again is offered', () => {
      const r = FIXTURE_REQUESTS.nonCompliant;
      const json = JSON.stringify(renderComplianceCard(r));
      for (const s of r.compliance.settings.filter((x) => x.state === 'nonCompliant')) assert.ok(json.includes(remediationFor('ios', s.setting).title));
      assert.ok(!json.includes(remediationFor('ios', 'IosCompliancePolicy.securityBlockJailbrokenDevices').title));
      assert.deepEqual(verbs(renderComplianceCard(r)), [Verb.ComplianceRecheck]);
    });

    it('when in the grace period, then the headline carries the deadline', () => {
      assert.match(JSON.stringify(renderComplianceCard(FIXTURE_REQUESTS.nonCompliantGrace)), /things to fix by \{\{DATE/);
    });

    it('when the state is unknown or error, then each has its own message and Check again', () => {
      const unknown = JSON.stringify(renderComplianceCard(FIXTURE_REQUESTS.complianceUndetermined));
      const error = JSON.stringify(renderComplianceCard(FIXTURE_REQUESTS.complianceError));
      assert.match(unknown, /Not evaluated yet/);
      assert.match(error, /Evaluation error/);
      assert.deepEqual(verbs(renderComplianceCard(FIXTURE_REQUESTS.complianceError)), [Verb.ComplianceRecheck]);
    });

    it('when compliant, then there is no button', () => {
      assert.equal(interactive(renderComplianceCard(FIXTURE_REQUESTS.pendingItReview)).length, 0);
    });
  });

  describe('request form', () => {
    it('when rendered, then every input is labelled, required with an error message, and length-limited', () => {
      const card = renderRequestFormCard();
      const byId = Object.fromEntries(inputs(card).map((i) => [i.id, i]));
      for (const id of [InputId.Platform, InputId.Ownership, InputId.Model, InputId.Justification]) {
        assert.ok(byId[id].label && byId[id].isRequired === true && byId[id].errorMessage, id);
      }
      assert.equal(byId[InputId.Model].maxLength, 80);
      assert.equal(byId[InputId.Justification].maxLength, 500);
      assert.equal(byId[InputId.Justification].isMultiline, true);
      assert.equal((byId[InputId.Platform].choices as unknown[]).length, 4);
    });

    it('when Cancel is pressed, then no input is validated or sent', () => {
      const cancel = execute(renderRequestFormCard()).find((a) => a.verb === Verb.RequestCancel) as Record<string, unknown>;
      assert.equal(cancel.associatedInputs, 'none');
      assert.equal((cancel.fallback as Record<string, unknown>).associatedInputs, 'none');
    });

    it('when values are put back, then they read as typed except that template syntax is broken', () => {
      const card = renderRequestFormCard({ values: { model: HOSTILE_MODEL, justification: HOSTILE_JUSTIFICATION } });
      assert.equal(inputs(card).find((i) => i.id === InputId.Model)?.value, HOSTILE_MODEL);
      const justification = String(inputs(card).find((i) => i.id === InputId.Justification)?.value);
      assert.ok(!justification.includes('${') && !justification.includes('{{'));
      assert.equal(justification.replace(/\u200B/g, ''), HOSTILE_JUSTIFICATION);
    });

    it('when errors are given, then they are listed above the inputs and values are kept', () => {
      const card = renderRequestFormCard({ values: { model: 'Pixel 8' }, errors: ['Choose the device platform.'] });
      assert.ok(card.body.findIndex((b) => (b as { style?: string }).style === 'attention') < card.body.findIndex((b) => (b as { type: string }).type.startsWith('Input.')));
      assert.equal(inputs(card).find((i) => i.id === InputId.Model)?.value, 'Pixel 8');
    });
  });

  describe('lookup and notice', () => {
    it('when a person has more requests than fit, then the newest are shown and the total is said', () => {
      const many = Array.from({ length: LOOKUP_MAX_ROWS + 5 }, (_, i) => ({ ...FIXTURE_REQUESTS.granted, _id: `r${i}`, reference: `DEV-${i}`, updatedAt: new Date(2026, 0, i + 1).toISOString() }));
      const card = renderLookupCard({ person: FIXTURE_PEOPLE.requester, requests: many });
      const json = JSON.stringify(card);
      assert.match(json, new RegExp(`Newest ${LOOKUP_MAX_ROWS} of ${LOOKUP_MAX_ROWS + 5}`));
      assert.ok(json.includes(`DEV-${LOOKUP_MAX_ROWS + 4}`) && !json.includes('"DEV-0"'));
    });

    it('when a notice has no request id, then its button data has only the verb', () => {
      const card = renderNoticeCard({ title: 'Hi', text: 'There', tone: 'default', actions: [{ title: 'Start', verb: Verb.RequestStart }] });
      assert.deepEqual(execute(card)[0].data, { verb: Verb.RequestStart });
    });
  });

  describe('renderTemplate', () => {
    it('when a binding has no data, then it throws naming the template and the path', () => {
      const template = { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'Hi ${nobody.name}' }] };
      assert.throws(() => renderTemplate('probe', template, {}), (e: unknown) => e instanceof CardTemplateError && /probe/.test(e.message) && /body\[0\]\.text/.test(e.message));
    });

    it('when the version is not 1.5, then it throws', () => {
      assert.throws(() => renderTemplate('old', { type: 'AdaptiveCard', version: '1.2', body: [] }, {}), CardTemplateError);
    });
  });

  describe('escapeCardText', () => {
    it('when text has a markdown link, then the link syntax is broken', () => {
      assert.ok(!escapeCardText('[x](https://a.example)').includes(']('));
      assert.ok(!escapeCardText('see https://a.example').includes('://'));
    });

    it('when text has mentions, tags, entities, templates or date functions, then none stays intact', () => {
      const out = escapeCardText('<at>Boss</at> <a href=x>y</a> &amp; ${x} {{DATE(2026-01-01T00:00:00Z)}}');
      for (const bad of ['<at>', '<a ', '&amp;', '${', '{{']) assert.ok(!out.includes(bad), bad);
    });

    it('when text has control or bidi override characters, then they are removed', () => {
      assert.equal(escapeCardText('a\u202Eb\u0007c\u2066d'), 'abcd');
    });

    it('when text is ordinary, then it reads the same', () => {
      const plain = "Email and Teams while I'm on call (weekends) - 2 days/week!";
      assert.equal(escapeCardText(plain), plain);
    });

    it('when text is too long, then it is cut with an ellipsis', () => {
      const out = escapeCardText('x'.repeat(600), { maxLength: 500 });
      assert.equal(out.length, 500);
      assert.ok(out.endsWith('…'));
    });

    it('when text has lines, then single-line mode joins them and escapedLines splits them without blanks', () => {
      assert.equal(escapeCardText('a\n\nb'), 'a b');
      assert.deepEqual(escapedLines('a\r\n\r\n\r\nb\n'), ['a', 'b']);
    });
  });

  describe('verbs', () => {
    it('when listed, then they are exactly the 43 verbs of the product, all distinct', () => {
      assert.equal(new Set(ALL_VERBS).size, ALL_VERBS.length);
      assert.deepEqual([...ALL_VERBS].sort(), [
        'accessReview.attest', 'accessReview.revoke',
        'approval.approve', 'approval.deny', 'approval.reassign', 'approval.refresh', 'compliance.recheck', 'consent.accept', 'consent.decline', 'consent.history',
        'delegation.end', 'delegation.open', 'delegation.set', 'delegation.show', 'device.recheck', 'enrollment.done',
        'incident.close', 'incident.contain', 'incident.corrective', 'incident.deviceAction.confirm', 'incident.deviceAction.prepare', 'incident.investigate', 'incident.note', 'incident.refresh',
        'incident.report', 'incident.status', 'incident.triage',
        'it.confirm', 'it.deny', 'it.refresh', 'mydata.show', 'privacy.show', 'request.cancel', 'request.start', 'request.status', 'request.submit', 'transparency.show',
        'breach.acknowledge', 'breach.close', 'breach.send', 'thirdParty.review', 'notice.answer', 'notice.publishConfirm',
        'incident.breach.declare', 'incident.breach.form',
      ].sort());
    });

    it('when every card is rendered, then every verb except the refresh verbs is reachable from a button', () => {
      const seen = new Set(ALL_CARDS.flatMap(([, render]) => verbs(render())));
      for (const v of ALL_VERBS.filter((x) => x !== Verb.ApprovalRefresh && x !== Verb.ItRefresh)) assert.ok(seen.has(v), v);
    });
  });
});
