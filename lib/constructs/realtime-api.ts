import { Validations } from 'aws-cdk-lib';
import type { CfnStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { Construct } from 'constructs';

/** Props of {@link RealtimeApi}. */
export interface RealtimeApiProps {
  readonly name: string;
  readonly logRetention: RetentionDays;
  readonly encryptionKey: IKey;
  /** Messages per second across the stage. */
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** One JSON object per connect, message and disconnect (the REST standard fields do not apply to WebSocket). */
const WEBSOCKET_ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    eventType: '$context.eventType',
    routeKey: '$context.routeKey',
    status: '$context.status',
    connectionId: '$context.connectionId',
    sourceIp: '$context.identity.sourceIp',
    integrationError: '$context.integrationErrorMessage',
    error: '$context.error.message',
  }),
);

/** The client → server routes besides `$connect`/`$disconnect`. */
export const WEBSOCKET_ROUTES = ['$default', 'ping', 'subscribe'] as const;

/**
 * The WebSocket API (`wss://…/v1?token=JWT`). `$connect` is not guarded by an API Gateway
 * authorizer: the `ws` function verifies `?token=` against Cognito's keys itself and answers 401, so
 * the same code path runs locally and on AWS. Routes are wired after the function exists, because
 * the function needs {@link managementEndpoint} in its environment.
 */
export class RealtimeApi extends Construct {
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;
  /** `https://{id}.execute-api.{region}.amazonaws.com/v1`, for `PostToConnection`. */
  readonly managementEndpoint: string;

  constructor(scope: Construct, id: string, props: RealtimeApiProps) {
    super(scope, id);
    this.api = new WebSocketApi(this, 'Api', {
      apiName: props.name,
      description: 'untxt live task updates',
      routeSelectionExpression: '$request.body.action',
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      encryptionKey: props.encryptionKey,
    });
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: 'v1',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit, burstLimit: props.burstLimit },
      detailedMetricsEnabled: true,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: WEBSOCKET_ACCESS_LOG_FORMAT,
      },
    });
    const cfnStage = this.stage.node.defaultChild as CfnStage;
    cfnStage.addPropertyOverride('DefaultRouteSettings.LoggingLevel', 'ERROR');
    cfnStage.addPropertyOverride('DefaultRouteSettings.DataTraceEnabled', false);
    this.managementEndpoint = this.stage.callbackUrl;
  }

  /** Sends every route (`$connect`, `$disconnect`, `$default`, `ping`, `subscribe`) to `handler`. */
  routeTo(handler: IFunction): void {
    const integration = new WebSocketLambdaIntegration('Handler', handler);
    for (const routeKey of ['$connect', '$disconnect', ...WEBSOCKET_ROUTES]) {
      const route = this.api.addRoute(routeKey, { integration });
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          routeKey === '$connect'
            ? 'The ws function verifies the Cognito JWT in ?token= itself and refuses the connection with 401 (same code path as the local host; browsers cannot set headers on WebSocket upgrades).'
            : 'WebSocket APIs authorize only $connect; every later message rides the connection authenticated there.',
      });
    }
  }

  /** `execute-api:ManageConnections` on this stage's `@connections` API. */
  grantManageConnections(grantee: IGrantable): void {
    this.stage.grantManagementApiAccess(grantee);
  }
}
