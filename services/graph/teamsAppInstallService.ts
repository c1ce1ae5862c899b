/**
 * Proactive installation of the bot for users who never opened it, so the bot can reach them in a 1:1 chat
 * (https://learn.microsoft.com/en-us/microsoftteams/platform/graph-api/proactive-bots-and-messages/graph-proactive-bots-and-messages).
 */
import type { Logger } from '../logging/logger';
import type { GraphApi } from './graphApi';
import { GraphRequestError, TeamsAppInstallationNotFoundError } from './graphErrors';
import type { TeamsAppInstallService } from './graphTypes';
import { userSegment } from './directoryService';

/** How many times to look for a fresh installation: the list can lag the 201 of the install. */
const FIND_ATTEMPTS = 4;

/** TeamsAppInstallService on Microsoft Graph. */
export class GraphTeamsAppInstallService implements TeamsAppInstallService {
  constructor(
    private readonly api: GraphApi,
    private readonly logger: Logger,
    private readonly waitMs: (attempt: number) => number,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /**
   * Looks for the installation first (the common case needs no write); otherwise installs with the catalog id
   * (201, no body) and treats 409 Conflict as "already installed"
   * (https://github.com/microsoftgraph/microsoft-graph-docs-contrib/issues/3686), then reads the chat id.
   */
  async ensureInstalledForUser(userId: string, catalogAppId: string): Promise<{ installationId: string; chatId: string }> {
    let installationId = await this.findInstallation(userId, catalogAppId);
    if (!installationId) {
      await this.install(userId, catalogAppId);
      for (let attempt = 0; !installationId && attempt < FIND_ATTEMPTS; attempt++) {
        if (attempt > 0) await this.sleep(this.waitMs(attempt - 1));
        installationId = await this.findInstallation(userId, catalogAppId);
      }
    }
    if (!installationId) throw new TeamsAppInstallationNotFoundError(userId, catalogAppId);
    const chat = await this.api.get<{ id?: string }>(`${userSegment(userId)}/teamwork/installedApps/${encodeURIComponent(installationId)}/chat`, {
      query: { $select: 'id' },
    });
    if (!chat.id) throw new TeamsAppInstallationNotFoundError(userId, catalogAppId);
    return { installationId, chatId: chat.id };
  }

  private async install(userId: string, catalogAppId: string): Promise<void> {
    try {
      await this.api.post(`${userSegment(userId)}/teamwork/installedApps`, {
        'teamsApp@odata.bind': `${this.api.origin}/v1.0/appCatalogs/teamsApps/${encodeURIComponent(catalogAppId)}`,
      });
      this.logger.info({ userId, catalogAppId }, 'installed the Teams app for a user');
    } catch (e) {
      if (e instanceof GraphRequestError && e.status === 409) {
        this.logger.debug({ userId, catalogAppId }, 'Teams app was already installed');
        return;
      }
      throw e;
    }
  }

  private async findInstallation(userId: string, catalogAppId: string): Promise<string | undefined> {
    const found = await this.api.listAll<{ id?: string }>(`${userSegment(userId)}/teamwork/installedApps`, {
      query: { $expand: 'teamsApp', $filter: `teamsApp/id eq '${catalogAppId.replace(/'/g, "''")}'` },
    });
    return found[0]?.id ?? undefined;
  }
}
