/** Port helpers live with the product code that also needs them (the embedded database). */
export { freePort, isPortFree } from '../../services/net/ports';
