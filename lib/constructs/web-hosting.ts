import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Props of {@link WebHosting}. */
export interface WebHostingProps {
  /** Receives the bucket's access logs and CloudFront's standard logs. */
  readonly logBucket: IBucket;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The browser app: a private bucket served only through CloudFront (origin access control), HTTPS
 * only, with a security-headers policy (CSP, HSTS, no framing, no sniffing) and SPA fallback.
 */
export class WebHosting extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: WebHostingProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: props.logBucket,
      serverAccessLogsPrefix: 'web/',
      removalPolicy: props.removalPolicy,
    });

    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'untxt: CSP, HSTS, no framing, no sniffing',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: [
            "default-src 'self'",
            // API Gateway (REST + WebSocket), Cognito and the presigned S3 POST/GET live on AWS domains.
            "connect-src 'self' https://*.amazonaws.com wss://*.amazonaws.com",
            "img-src 'self' data: blob: https://*.amazonaws.com",
            "style-src 'self' 'unsafe-inline'",
            "frame-src 'self' https://*.amazonaws.com",
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'none'",
            "form-action 'self' https://*.amazonaws.com",
          ].join('; '),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          preload: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
        xssProtection: { protection: true, modeBlock: true, override: true },
      },
    });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'untxt web app',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
        compress: true,
      },
      defaultRootObject: 'index.html',
      // Client-side routes: unknown paths serve the app, which renders its own 404.
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 200,
        responsePagePath: '/index.html',
        ttl: Duration.minutes(1),
      })),
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: props.logBucket,
      logFilePrefix: 'cloudfront/',
    });

    const why = (scope: Construct, ruleId: string, reason: string) =>
      Validations.of(scope).acknowledge({ id: ruleId, reason });
    why(
      this.bucket,
      'HIPAA.Security-S3DefaultEncryptionKMS',
      'Public static web assets, no customer data: SSE-S3 is enough and keeps CloudFront reads off the KMS key.',
    );
    why(
      this.bucket,
      'HIPAA.Security-S3BucketReplicationEnabled',
      'Build artefacts, reproducible from the repository: no replication needed.',
    );
    why(
      this.distribution,
      'AwsSolutions-CFR1',
      'The app is offered worldwide; no geographic restriction applies.',
    );
    why(
      this.distribution,
      'AwsSolutions-CFR2',
      'Serves static files only (the API has its own throttling and Cognito authorizer); a CloudFront WAF web ACL must live in us-east-1 and is added per deployment when a custom domain is attached.',
    );
    why(
      this.distribution,
      'AwsSolutions-CFR4',
      'With the default *.cloudfront.net certificate CloudFront fixes the viewer TLS policy; set minimumProtocolVersion TLSv1.2_2021 together with the custom domain certificate.',
    );
  }
}
