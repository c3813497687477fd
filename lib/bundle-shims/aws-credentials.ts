/**
 * The AWS SDK's default credential chain for the function bundles, reduced to the link Lambda uses:
 * the execution role's credentials from the environment (`AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, which the runtime sets). esbuild aliases
 * `@aws-sdk/credential-provider-node` (every client's default) and `@aws-sdk/credential-providers`
 * (the RDS signer's) to this module (`untxtBundling`).
 *
 * The full chain also bundles the SSO, INI-file, process, web-identity, login, container and IMDS
 * providers and the STS, SSO and sign-in clients they call (110 KB minified per bundle), which a cold
 * start loads and compiles although Lambda never gets that far down the chain. Without the
 * variables the first SDK call fails with `CredentialsProviderError: Unable to find environment
 * variable credentials.` Scripts, tests and the local host run the sources, with the full chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

type Init = Parameters<typeof fromEnv>[0];
interface Expiring {
  expiration?: Date;
}

/** `@aws-sdk/credential-provider-node`'s export: here only the environment. */
export const defaultProvider = (init: Init = {}) => fromEnv(init);

/** `@aws-sdk/credential-providers`' export (the RDS signer's default): here only the environment. */
export const fromNodeProviderChain = defaultProvider;

/** As in `@aws-sdk/credential-provider-node`. */
export const credentialsWillNeedRefresh = (credentials?: Expiring) => credentials?.expiration !== undefined;

/** As in `@aws-sdk/credential-provider-node`: within five minutes of expiring counts as expired. */
export const credentialsTreatedAsExpired = (credentials?: Expiring) =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000;
