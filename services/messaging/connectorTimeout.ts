/**
 * A time limit on every Bot Connector call (send, update, create conversation, members) that CloudAdapter and the
 * proactive messenger make. botbuilder sets none, so a connector that accepts the connection and never answers
 * would hold a turn, or a background send, indefinitely.
 *
 * Why a subclass: botbuilder 4.23's ConnectorFactoryImpl replaces any `requestPolicyFactories` passed in
 * ConnectorClientOptions and its client ignores `agentSettings`, so the limit is added to each ConnectorClient's
 * request pipeline (@azure/core-rest-pipeline, whose Node HTTP client aborts a request after `request.timeout`).
 */
import { ConfigurationBotFrameworkAuthentication, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';

/** The Bot Connector client could not be given its time limit (a botbuilder upgrade changed its internals). */
export class ConnectorTimeoutUnsupportedError extends Error {
  override readonly name = 'ConnectorTimeoutUnsupportedError';
  constructor() {
    super('The Bot Connector client has no request pipeline to add a time limit to');
  }
}

interface PipelineRequest {
  timeout: number;
}
interface Pipeline {
  addPolicy(policy: { name: string; sendRequest(request: PipelineRequest, next: (r: PipelineRequest) => Promise<unknown>): Promise<unknown> }): void;
  getOrderedPolicies(): { name: string }[];
}

type ConnectorFactory = ReturnType<ConfigurationBotFrameworkAuthentication['createConnectorFactory']>;

const POLICY_NAME = 'connectorTimeout';

/** Bot Framework authentication whose Connector clients abort any call after `timeoutMs`. */
export class TimedBotFrameworkAuthentication extends ConfigurationBotFrameworkAuthentication {
  constructor(
    options: ConfigurationBotFrameworkAuthenticationOptions,
    private readonly timeoutMs: number,
  ) {
    super(options);
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError('timeoutMs must be a positive number');
  }

  override createConnectorFactory(identity: Parameters<ConfigurationBotFrameworkAuthentication['createConnectorFactory']>[0]): ConnectorFactory {
    const factory = super.createConnectorFactory(identity);
    const create = factory.create.bind(factory);
    factory.create = async (serviceUrl: string, audience?: string) => {
      const client = await create(serviceUrl, audience);
      const pipeline = (client as unknown as { client?: { pipeline?: Pipeline } }).client?.pipeline;
      if (typeof pipeline?.addPolicy !== 'function') throw new ConnectorTimeoutUnsupportedError();
      if (!pipeline.getOrderedPolicies().some((p) => p.name === POLICY_NAME)) {
        pipeline.addPolicy({
          name: POLICY_NAME,
          sendRequest: (request, next) => {
            // A caller's own shorter limit stands.
            if (!request.timeout || request.timeout > this.timeoutMs) request.timeout = this.timeoutMs;
            return next(request);
          },
        });
      }
      return client;
    };
    return factory;
  }
}
