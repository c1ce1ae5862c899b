import {
  Accordion,
  AccordionHeader,
  AccordionItem,
  AccordionPanel,
  Badge,
  Body1,
  Caption1,
  Card,
  CardHeader,
  makeStyles,
  Subtitle2,
  Text,
  tokens,
  type BadgeProps,
} from '@fluentui/react-components';
import type { ReactNode } from 'react';
import type { RequestView } from './api';

const useStyles = makeStyles({
  card: { maxWidth: '720px', width: '100%', boxSizing: 'border-box' },
  facts: { display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: tokens.spacingHorizontalM, rowGap: tokens.spacingVerticalXS, margin: 0 },
  dt: { color: tokens.colorNeutralForeground3 },
  dd: { margin: 0, overflowWrap: 'anywhere' },
  status: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: tokens.spacingHorizontalS },
  badge: { whiteSpace: 'nowrap', maxWidth: 'none' },
  consentText: { whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', fontFamily: tokens.fontFamilyBase, fontSize: tokens.fontSizeBase200, margin: 0 },
  list: { margin: `${tokens.spacingVerticalXS} 0`, paddingLeft: tokens.spacingHorizontalXL },
  fix: { margin: `${tokens.spacingVerticalXS} 0`, paddingLeft: tokens.spacingHorizontalXL },
});

const BADGE: Record<RequestView['tone'], BadgeProps['color']> = {
  good: 'success',
  warning: 'warning',
  attention: 'danger',
  accent: 'brand',
  default: 'informative',
};

/** The date and time in the viewer's locale. */
export const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** One request: where it stands, what happens next, the device, decisions and what to fix. */
export function RequestCard({ request, showRequester, children }: { request: RequestView; showRequester?: boolean; children?: ReactNode }) {
  const s = useStyles();
  const headingId = `req-${request.id}`;
  return (
    <Card className={s.card} role="article" aria-labelledby={headingId}>
      <CardHeader
        header={
          <Subtitle2 as="h3" id={headingId}>
            {showRequester ? `${request.requester}: ` : ''}
            {request.device.model} ({request.reference})
          </Subtitle2>
        }
        description={
          <span className={s.status}>
            <Badge className={s.badge} appearance="filled" color={BADGE[request.tone]}>
              {request.stateLabel}
            </Badge>
            <Caption1>Asked {when(request.createdAt)}</Caption1>
          </span>
        }
      />
      {/* The next step is written for the employee; approvers and IT see the state and the facts. */}
      {!showRequester && <Body1>{request.nextStep}</Body1>}
      <dl className={s.facts}>
        <dt className={s.dt}>Device</dt>
        <dd className={s.dd}>
          {request.device.ownership} {request.device.platform}, {request.device.model}
        </dd>
        <dt className={s.dt}>Why</dt>
        <dd className={s.dd}>{request.device.justification}</dd>
        <dt className={s.dt}>Approver</dt>
        <dd className={s.dd}>{request.approvers.join(', ')}</dd>
        {request.onBehalfOf && (
          <>
            <dt className={s.dt}>On behalf of</dt>
            <dd className={s.dd}>{request.onBehalfOf} (delegated)</dd>
          </>
        )}
        {request.decision && (
          <>
            <dt className={s.dt}>Decision</dt>
            <dd className={s.dd}>
              {request.decision.outcome === 'approved' ? 'Approved' : 'Denied'} by {request.decision.by}, {when(request.decision.at)}
              {request.decision.reason ? `: ${request.decision.reason}` : ''}
            </dd>
          </>
        )}
        {request.compliance && (
          <>
            <dt className={s.dt}>Compliance</dt>
            <dd className={s.dd}>
              {request.compliance.deviceName}: {request.compliance.stateLabel} (checked {when(request.compliance.evaluatedAt)})
              {request.compliance.graceEndsAt ? `; grace period ends ${when(request.compliance.graceEndsAt)}` : ''}
            </dd>
          </>
        )}
        {request.itReview && (
          <>
            <dt className={s.dt}>IT Security</dt>
            <dd className={s.dd}>
              {request.itReview.outcome === 'confirmed' ? 'Confirmed' : 'Denied'} by {request.itReview.by}
              {request.itReview.reason ? `: ${request.itReview.reason}` : ''}
            </dd>
          </>
        )}
      </dl>
      {request.compliance?.failing.map((f) => (
        <section key={f.label} aria-label={`How to fix: ${f.label}`}>
          <Text weight="semibold">{f.fixTitle}</Text>
          <ol className={s.fix}>
            {f.steps.map((step) => (
              <li key={step}>{step.replace(/\*\*/g, '')}</li>
            ))}
          </ol>
        </section>
      ))}
      {!showRequester && <PrivacyAndConsent request={request} />}
      {children}
    </Card>
  );
}

/** What IT can and cannot see on the device, and the employee's consent with the exact text they answered. */
function PrivacyAndConsent({ request }: { request: RequestView }) {
  const s = useStyles();
  const { privacy, consent } = request;
  const list = (heading: string, items: string[]) => (
    <>
      <Text weight="semibold">{heading}</Text>
      <ul className={s.list}>
        {items.map((i) => (
          <li key={i}>{i}</li>
        ))}
      </ul>
    </>
  );
  return (
    <Accordion collapsible multiple>
      <AccordionItem value="privacy">
        <AccordionHeader as="h4">What IT can and cannot see on this device</AccordionHeader>
        <AccordionPanel>
          {list('IT can see', privacy.canSee)}
          {list('IT may see in some cases', privacy.sometimes)}
          {list('IT can never see', privacy.neverSees)}
        </AccordionPanel>
      </AccordionItem>
      {consent && (
        <AccordionItem value="consent">
          <AccordionHeader as="h4">
            {consent.outcome === 'consented' ? 'You consented' : 'You declined'} on {when(consent.at)} (version {consent.version})
          </AccordionHeader>
          <AccordionPanel>
            <Caption1>SHA-256 of the text you answered: {consent.textSha256}</Caption1>
            {consent.text ? <pre className={s.consentText}>{consent.text.replace(/\*\*/g, '')}</pre> : <Body1>This app now shows a newer text; the fingerprint above identifies the version {consent.version} text you answered.</Body1>}
          </AccordionPanel>
        </AccordionItem>
      )}
    </Accordion>
  );
}
