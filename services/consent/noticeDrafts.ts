/** Collection of notice publications drafted in Teams, awaiting their drafter's confirmation (bot/noticeCommands.ts). */
export const NOTICE_DRAFTS_COLLECTION = 'noticeDrafts';
