import { MessageBar, MessageBarBody, MessageBarTitle, Spinner } from '@fluentui/react-components';
import { ApiError } from './api';

/** Loading and error states, announced to screen readers. */
export function Status({ loading, error, label }: { loading: boolean; error?: Error; label: string }) {
  if (error) {
    const title = error instanceof ApiError && error.status === 403 ? 'Not available to you' : error instanceof ApiError && error.status === 401 ? 'Sign-in failed' : 'Could not load';
    return (
      <MessageBar intent="error" role="alert">
        <MessageBarBody>
          <MessageBarTitle>{title}</MessageBarTitle>
          {error.message}
        </MessageBarBody>
      </MessageBar>
    );
  }
  return loading ? <Spinner size="small" label={`Loading ${label}…`} /> : null;
}
