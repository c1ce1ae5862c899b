/** A free TCP port on 127.0.0.1 for a test server (re-exported so tests and scripts share one helper). */
export { freePort } from '../../scripts/lib/ports';
