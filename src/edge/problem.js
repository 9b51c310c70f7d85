// The proxy's own refusals, in the shape the Broker answers its errors (ProblemDetails, RFC 9457: `type`, `title`,
// `status`, `detail`; core/src/problem.rs), so a BrokerClient behind the proxy reads them as it reads the service's.

const TITLES = {
  400: ['https://tools.ietf.org/html/rfc9110#section-15.5.1', 'Bad Request'],
  403: ['https://tools.ietf.org/html/rfc9110#section-15.5.4', 'Forbidden'],
  404: ['https://tools.ietf.org/html/rfc9110#section-15.5.5', 'Not Found'],
  405: ['https://tools.ietf.org/html/rfc9110#section-15.5.6', 'Method Not Allowed'],
  413: ['https://tools.ietf.org/html/rfc9110#section-15.5.14', 'Content Too Large'],
  500: ['https://tools.ietf.org/html/rfc9110#section-15.6.1', 'Internal Server Error'],
  502: ['https://tools.ietf.org/html/rfc9110#section-15.6.3', 'Bad Gateway'],
};

/** A ProblemDetails response; `detail` is the proxy's own sentence (never a header value or a service's text). */
export function problem(status, detail, headers = {}) {
  const [type, title] = TITLES[status] ?? TITLES[500];
  const body = JSON.stringify({ type, title, status, detail });
  return new Response(body, {
    status,
    headers: { 'content-type': 'application/problem+json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}
