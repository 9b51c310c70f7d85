// Type-checked (never run) usage of the edge pieces, compiled with `tsc --noEmit` by scripts/test.sh against the
// built package's declarations: a worker that serves the Broker proxy with Maskinporten tokens.
import init, {
  BrokerClient,
  brokerApiRoutes,
  type BrokerApiRoute,
} from "../pkg/index.js";
import {
  createBrokerProxy,
  maskinportenTokenProvider,
  MaskinportenError,
  TokenExchangeError,
  type BrokerProxyOptions,
  type MaskinportenTokenProvider,
  type MaskinportenTokenProviderOptions,
} from "../pkg/edge/index.js";

declare const env: { CLIENT_ID: string; KID: string; PRIVATE_JWK: JsonWebKey; SUBSCRIPTION_KEY: string };

await init();

const providerOptions: MaskinportenTokenProviderOptions = {
  clientId: env.CLIENT_ID,
  keyId: env.KID,
  privateKey: env.PRIVATE_JWK,
  scopes: ['altinn:broker.write', 'altinn:broker.read'],
  environment: 'test',
  systemUserOrg: '0192:310702641',
  externalRef: 'portal-1',
};
const token: MaskinportenTokenProvider = maskinportenTokenProvider(providerOptions);
const pem: MaskinportenTokenProvider = maskinportenTokenProvider({
  clientId: 'c', keyId: 'k', privateKey: '-----BEGIN PRIVATE KEY-----\n...', scopes: 'altinn:broker.read',
  environment: { maskinporten: 'http://127.0.0.1:5096/maskinporten/', platform: 'http://127.0.0.1:5096' },
  signal: AbortSignal.timeout(30_000),
});

// The provider is a BrokerClient token callback as it is.
const server = new BrokerClient({ baseUrl: 'https://platform.tt02.altinn.no', token });
// A page behind the proxy holds no token.
const page = new BrokerClient({ baseUrl: `${location.origin}/broker-proxy` });

const proxyOptions: BrokerProxyOptions = {
  target: 'https://platform.tt02.altinn.no',
  token,
  subscriptionKey: env.SUBSCRIPTION_KEY,
  allowedOrigins: ['https://portal.example'],
  basePath: '/broker-proxy',
  maxBodyBytes: 2 * 1024 ** 3,
  authorize: (request: Request) =>
    request.headers.get('cookie')?.includes('session=') ? undefined : new Response(null, { status: 401 }),
};
const handle: (request: Request) => Promise<Response> = createBrokerProxy(proxyOptions);
createBrokerProxy({ target: 'http://127.0.0.1:5096', token: 'a-test-token', authorize: async () => true });

export default {
  async fetch(request: Request): Promise<Response> {
    try {
      return await handle(request);
    } catch (e) {
      if (e instanceof MaskinportenError) return new Response(`${e.error ?? ''} ${e.errorDescription ?? ''} ${e.status ?? ''}`, { status: 502 });
      if (e instanceof TokenExchangeError) return new Response(`${e.status ?? ''} ${e.detail ?? ''}`, { status: 502 });
      throw e;
    }
  },
};

const routes: BrokerApiRoute[] = brokerApiRoutes();
const methods: string[] = routes.map((r) => `${r.method} ${r.template}`);
const first: string = await pem({ refresh: false });
void [server, page, methods, first, await token()];
