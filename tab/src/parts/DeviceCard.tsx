import { Badge, Body1, Button, Caption1, Card, CardHeader, Link, makeStyles, MessageBar, MessageBarBody, Subtitle2, Text, tokens, type BadgeProps } from '@fluentui/react-components';
import { useState } from 'react';
import { ApiError, type DeviceView, type TabApi } from '../api';
import { when } from '../RequestCard';

const useStyles = makeStyles({
  card: { maxWidth: '720px', width: '100%', boxSizing: 'border-box' },
  status: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: tokens.spacingHorizontalS },
  fix: { margin: `${tokens.spacingVerticalXS} 0`, paddingLeft: tokens.spacingHorizontalXL },
  badge: { whiteSpace: 'nowrap', maxWidth: 'none' },
});

const BADGE: Record<DeviceView['tone'], BadgeProps['color']> = { good: 'success', warning: 'warning', attention: 'danger', accent: 'brand', default: 'informative' };

/** Time left until `iso`, in days and hours, for the grace countdown. */
export function timeLeft(iso: string, now = Date.now()): string {
  const ms = Date.parse(iso) - now;
  if (ms <= 0) return 'ended';
  const hours = Math.floor(ms / 3_600_000);
  const days = Math.floor(hours / 24);
  return days > 0 ? `${days} day${days === 1 ? '' : 's'} ${hours % 24} h left` : `${hours} h ${Math.floor((ms % 3_600_000) / 60_000)} min left`;
}

/** One enrolled device: its compliance, failing settings with the steps that fix them, and Check again for its owner. */
export function DeviceCard({ device, api, showOwner, onChanged }: { device: DeviceView; api?: TabApi; showOwner?: boolean; onChanged?: (d: DeviceView) => void }) {
  const s = useStyles();
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ text: string; intent: 'success' | 'warning' | 'error' }>();
  const headingId = `dev-${device.id}`;
  const check = async () => {
    if (!api) return;
    setBusy(true);
    setNote(undefined);
    try {
      const { device: d } = await api.checkAgain(device.id);
      setNote({ text: `Checked just now: ${d.stateLabel}.`, intent: d.state === 'compliant' ? 'success' : 'warning' });
      onChanged?.(d);
    } catch (e) {
      setNote({ text: e instanceof ApiError ? e.message : 'The check could not run. Try again shortly.', intent: 'error' });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card className={s.card} role="article" aria-labelledby={headingId}>
      <CardHeader
        header={
          <Subtitle2 as="h3" id={headingId}>
            {showOwner ? `${device.owner}: ` : ''}
            {device.deviceName} ({device.platform})
          </Subtitle2>
        }
        description={
          <span className={s.status}>
            <Badge className={s.badge} appearance="filled" color={BADGE[device.tone]}>
              {device.stateLabel}
            </Badge>
            <Caption1>Last change {when(device.updatedAt)}</Caption1>
          </span>
        }
      />
      {device.graceEndsAt && (
        <Body1>
          Grace period ends {when(device.graceEndsAt)} ({timeLeft(device.graceEndsAt)}). Fix the settings below before then to keep work access.
        </Body1>
      )}
      {device.failing.map((f) => (
        <section key={f.label} aria-label={`How to fix: ${f.label}`}>
          <Text weight="semibold">{f.fixTitle}</Text>
          <ol className={s.fix}>
            {f.steps.map((step) => (
              <li key={step}>{step.replace(/\*\*/g, '')}</li>
            ))}
          </ol>
          {f.helpUrl && (
            <Link href={f.helpUrl} target="_blank" rel="noreferrer">
              Microsoft's help for this setting
            </Link>
          )}
        </section>
      ))}
      {device.canCheckAgain && api && (
        <div>
          <Button appearance="primary" disabled={busy} onClick={() => void check()}>
            {busy ? 'Checking…' : 'Check again'}
          </Button>
        </div>
      )}
      <div aria-live="polite">
        {note && (
          <MessageBar intent={note.intent}>
            <MessageBarBody>{note.text}</MessageBarBody>
          </MessageBar>
        )}
      </div>
    </Card>
  );
}
