/** The structured logger lives with the services, which every layer may import; the bot edge uses it from here too. */
export { createLogger, type Logger } from '../services/logging/logger';
