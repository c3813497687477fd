import { Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  CognitoUserPoolsAuthorizer,
  Cors,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RequestValidator,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  GATEWAY_DEFAULT_TEMPLATE,
  GATEWAY_ERRORS,
  gatewayErrorBody,
  type GatewayErrorType,
} from '../../lambdas/api/gateway-responses.js';

/** Props of {@link DocumentsApi}. */
export interface DocumentsApiProps {
  readonly name: string;
  /** The one function behind `/api/{proxy+}`. */
  readonly handler: IFunction;
  readonly userPool: IUserPool;
  /** Origins the browser app is served from. */
  readonly allowedOrigins: string[];
  readonly logRetention: RetentionDays;
  readonly encryptionKey: IKey;
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** Routes anyone may call (the router marks them `public` too). */
export const PUBLIC_ROUTES = ['health', 'openapi.json'] as const;

/**
 * The REST API: `ANY /api/{proxy+}` to the api function behind a Cognito authorizer (ID tokens, the
 * `cognito:groups` claim decides admin access), `GET /api/health` and `/api/openapi.json` public.
 * Request validation (the Authorization header must be present), JSON access logs, X-Ray, stage
 * throttling and CORS for the web app's origins. The gateway's own answers (401, 413 over 10 MB,
 * throttling, integration failures) use the API's error shape, as the local gateway's do.
 */
export class DocumentsApi extends Construct {
  readonly api: RestApi;

  constructor(scope: Construct, id: string, props: DocumentsApiProps) {
    super(scope, id);
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      encryptionKey: props.encryptionKey,
    });
    this.api = new RestApi(this, 'Api', {
      restApiName: props.name,
      description: 'untxt REST API',
      endpointTypes: [EndpointType.REGIONAL],
      // Execution logs need the account-level CloudWatch role; this API manages it.
      cloudWatchRole: true,
      // Multipart uploads of small files (≤ 4 MB) by curl users reach the function as base64.
      binaryMediaTypes: ['multipart/form-data'],
      deployOptions: {
        stageName: 'v1',
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
        throttlingRateLimit: props.rateLimit,
        throttlingBurstLimit: props.burstLimit,
      },
      defaultCorsPreflightOptions: {
        allowOrigins: props.allowedOrigins,
        allowMethods: Cors.ALL_METHODS,
        allowHeaders: ['Authorization', 'Content-Type'],
      },
    });

    // The browser reads error bodies cross-origin, so gateway answers carry the CORS header too.
    const responseHeaders = { 'Access-Control-Allow-Origin': "'*'" };
    for (const type of Object.keys(GATEWAY_ERRORS) as GatewayErrorType[]) {
      this.api.addGatewayResponse(`GatewayResponse${type}`, {
        type: ResponseType.of(type),
        statusCode: String(GATEWAY_ERRORS[type].statusCode),
        responseHeaders,
        templates: { 'application/json': JSON.stringify(gatewayErrorBody(type)) },
      });
    }
    for (const type of [ResponseType.DEFAULT_4XX, ResponseType.DEFAULT_5XX]) {
      this.api.addGatewayResponse(`GatewayResponse${type.responseType}`, {
        type,
        responseHeaders,
        templates: { 'application/json': GATEWAY_DEFAULT_TEMPLATE },
      });
    }

    const authorizer = new CognitoUserPoolsAuthorizer(this, 'Authorizer', {
      cognitoUserPools: [props.userPool],
    });
    const validator = new RequestValidator(this, 'Validator', {
      restApi: this.api,
      validateRequestParameters: true,
      validateRequestBody: true,
    });
    const integration = new LambdaIntegration(props.handler, { proxy: true });
    const apiResource = this.api.root.addResource('api');
    apiResource.addProxy({ anyMethod: false }).addMethod('ANY', integration, {
      authorizer,
      authorizationType: AuthorizationType.COGNITO,
      requestValidator: validator,
      requestParameters: { 'method.request.header.Authorization': true },
    });
    for (const path of PUBLIC_ROUTES) {
      const method = apiResource.addResource(path).addMethod('GET', integration, {
        authorizationType: AuthorizationType.NONE,
        requestValidator: validator,
      });
      Validations.of(method).acknowledge(
        {
          id: 'AwsSolutions-APIG4',
          reason: `GET /api/${path} is public by contract (health probe, API description).`,
        },
        {
          id: 'AwsSolutions-COG4',
          reason: `GET /api/${path} is public by contract (health probe, API description).`,
        },
      );
    }
    // CORS preflight (OPTIONS) must be answered without credentials.
    for (const method of this.api.methods.filter((m) => m.httpMethod === 'OPTIONS')) {
      Validations.of(method).acknowledge(
        { id: 'AwsSolutions-APIG4', reason: 'CORS preflight requests carry no credentials by design.' },
        { id: 'AwsSolutions-COG4', reason: 'CORS preflight requests carry no credentials by design.' },
      );
    }

    Validations.of(this.api).acknowledge(
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'Protected by the Cognito authorizer, request validation and stage throttling; a regional WAF web ACL is attached per deployment when the API is exposed publicly (it adds a fixed monthly cost).',
      },
      {
        id: 'HIPAA.Security-APIGWCacheEnabledAndEncrypted',
        reason: 'Responses are per user and change every second; caching would serve stale or foreign data.',
      },
      {
        id: 'HIPAA.Security-APIGWSSLEnabled',
        reason:
          'The only backend is a Lambda proxy integration; there is no HTTP backend to present a client certificate to.',
      },
    );
    const cloudWatchRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      Validations.of(cloudWatchRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'The AWS managed policy is the documented policy for API Gateway’s account-level logging role.',
      });
    }
  }
}
