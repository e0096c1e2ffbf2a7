// PostGraphile 4 for bench/reads.py: one node process, the application role (RLS applies), the
// tenant taken from Tessera's own access token (verified here with the same secret, issuer and
// audience) and set as app.tenant_id for the request's transaction, as Tessera does.
const http = require("http");
const jwt = require("jsonwebtoken");
const { postgraphile } = require("postgraphile");
const { default: PgSimplifyInflectorPlugin } = require("@graphile-contrib/pg-simplify-inflector");
const ConnectionFilterPlugin = require("postgraphile-plugin-connection-filter");

const port = Number(process.env.PORT);
const secret = process.env.JWT_SECRET;

const middleware = postgraphile(process.env.APP_DATABASE_URL, "public", {
  appendPlugins: [PgSimplifyInflectorPlugin, ConnectionFilterPlugin],
  disableDefaultMutations: true,
  ignoreRBAC: false,
  setofFunctionsContainNulls: false,
  disableQueryLog: true,
  retryOnInitFail: false,
  pgSettings: async (req) => {
    const header = req.headers.authorization || "";
    const claims = jwt.verify(header.replace(/^Bearer /, ""), secret, {
      algorithms: ["HS256"], issuer: process.env.JWT_ISSUER, audience: process.env.JWT_AUDIENCE,
    });
    return { "app.tenant_id": claims.tid };
  },
});

http.createServer((req, res) => {
  if (req.url === "/readyz") { res.end("ok"); return; }
  middleware(req, res);
}).listen(port, "127.0.0.1");
