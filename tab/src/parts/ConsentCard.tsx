import {
  Accordion,
  AccordionHeader,
  AccordionItem,
  AccordionPanel,
  Badge,
  Body1,
  Button,
  Caption1,
  Card,
  CardHeader,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  DialogTrigger,
  makeStyles,
  Subtitle2,
  Text,
  tokens,
} from '@fluentui/react-components';
import { useState } from 'react';
import type { ConsentView } from '../api';
import { when } from '../RequestCard';

const useStyles = makeStyles({
  card: { maxWidth: '720px', width: '100%', boxSizing: 'border-box' },
  status: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: tokens.spacingHorizontalS },
  text: { whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', fontFamily: tokens.fontFamilyBase, fontSize: tokens.fontSizeBase200, margin: 0 },
  list: { margin: `${tokens.spacingVerticalXS} 0`, paddingLeft: tokens.spacingHorizontalXL },
  hash: { overflowWrap: 'anywhere' },
});

const STATUS: Record<string, { label: string; color: 'success' | 'warning' | 'informative' | 'danger' }> = {
  consented: { label: 'Consent given', color: 'success' },
  declined: { label: 'Declined', color: 'warning' },
  withdrawn: { label: 'Withdrawn', color: 'danger' },
  none: { label: 'No answer', color: 'informative' },
};
const KIND: Record<string, string> = { consented: 'Consented', declined: 'Declined', withdrawn: 'Withdrew', reconsented: 'Consented again', acknowledged: 'Acknowledged a change' };

/** One device's consent: status, version, history, the exact text, what IT can see, and withdraw (after confirming). */
export function ConsentCard({ consent, onWithdraw }: { consent: ConsentView; onWithdraw?: () => Promise<void> }) {
  const s = useStyles();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const status = STATUS[consent.status] ?? STATUS.none;
  const name = consent.reference ?? `${consent.ownership} ${consent.platform}`;
  const headingId = `consent-${consent.requestId}`;
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
    <Card className={s.card} role="article" aria-labelledby={headingId}>
      <CardHeader
        header={
          <Subtitle2 as="h3" id={headingId}>
            {consent.ownership} {consent.platform}
            {consent.reference ? ` (${consent.reference})` : ''}
          </Subtitle2>
        }
        description={
          <span className={s.status}>
            <Badge appearance="filled" color={status.color}>
              {status.label}
            </Badge>
            {consent.since && <Caption1>since {when(consent.since)}</Caption1>}
            {consent.noticeVersion && <Caption1>notice version {consent.noticeVersion}</Caption1>}
          </span>
        }
      />
      <Accordion collapsible multiple>
        <AccordionItem value="history">
          <AccordionHeader as="h4">History of your answers</AccordionHeader>
          <AccordionPanel>
            <ul className={s.list}>
              {consent.entries.map((e) => (
                <li key={e.id}>
                  {KIND[e.kind] ?? e.kind} on {when(e.at)} (version {e.noticeVersion}; text SHA-256 <span className={s.hash}>{e.textHash.slice(0, 16)}…</span>)
                </li>
              ))}
            </ul>
          </AccordionPanel>
        </AccordionItem>
        <AccordionItem value="text">
          <AccordionHeader as="h4">The exact text you answered</AccordionHeader>
          <AccordionPanel>{consent.text ? <pre className={s.text}>{consent.text.replace(/\*\*/g, '')}</pre> : <Body1>This version's text is not held by this app; its fingerprint is in the history.</Body1>}</AccordionPanel>
        </AccordionItem>
        <AccordionItem value="privacy">
          <AccordionHeader as="h4">What IT can and cannot see on this device</AccordionHeader>
          <AccordionPanel>
            {list('IT can see', consent.privacy.canSee)}
            {list('IT may see in some cases', consent.privacy.sometimes)}
            {list('IT can never see', consent.privacy.neverSees)}
          </AccordionPanel>
        </AccordionItem>
      </Accordion>
      {consent.canWithdraw && onWithdraw && (
        <Dialog open={open} onOpenChange={(_, d) => setOpen(d.open)} modalType="alert">
          <DialogTrigger disableButtonEnhancement>
            <div>
              <Button>Withdraw consent</Button>
            </div>
          </DialogTrigger>
          <DialogSurface aria-describedby={`${headingId}-confirm`}>
            <DialogBody>
              <DialogTitle>Withdraw your consent for {name}?</DialogTitle>
              <DialogContent id={`${headingId}-confirm`}>
                Your withdrawal is recorded at once. An open request is closed; a device with work access loses it and IT Security is told to remove work apps and data. To use this device for work again you would need to ask again.
              </DialogContent>
              <DialogActions>
                <DialogTrigger disableButtonEnhancement>
                  <Button>Keep my consent</Button>
                </DialogTrigger>
                <Button
                  appearance="primary"
                  disabled={busy}
                  onClick={async () => {
                    setBusy(true);
                    try {
                      await onWithdraw();
                    } finally {
                      setBusy(false);
                      setOpen(false);
                    }
                  }}
                >
                  Withdraw consent
                </Button>
              </DialogActions>
            </DialogBody>
          </DialogSurface>
        </Dialog>
      )}
    </Card>
  );
}
