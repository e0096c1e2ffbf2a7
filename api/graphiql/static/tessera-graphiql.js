/* Tessera's GraphiQL: the token box and the fetcher (queries and mutations over HTTP,
 * subscriptions over WebSocket with the graphql-transport-ws protocol). The token is kept in
 * this browser's localStorage and sent as `Authorization: Bearer <token>` with every request,
 * and in the `connection_init` payload of the WebSocket. */
(function () {
  "use strict";
  var KEY = "tessera.graphiql.token";
  var input = document.getElementById("tessera-token-input");
  var state = document.getElementById("tessera-token-state");
  var endpoint = new URL(document.body.dataset.endpoint, window.location.href);
  var wsUrl = (endpoint.protocol === "https:" ? "wss:" : "ws:") + "//" + endpoint.host + endpoint.pathname;
  var wsClient = null;

  function token() { return (window.localStorage.getItem(KEY) || "").trim(); }

  function showState() { state.textContent = token() ? "token saved in this browser" : "no token: anonymous"; }

  function resetSocket() {  // the next subscription connects again, with the new token
    if (wsClient) { wsClient.dispose(); wsClient = null; }
  }

  input.value = token();
  showState();
  input.addEventListener("input", function () {
    var value = input.value.trim().replace(/^bearer\s+/i, "");
    if (value) { window.localStorage.setItem(KEY, value); } else { window.localStorage.removeItem(KEY); }
    resetSocket();
    showState();
  });
  document.getElementById("tessera-token-forget").addEventListener("click", function () {
    window.localStorage.removeItem(KEY);
    input.value = "";
    resetSocket();
    showState();
  });

  function isSubscription(params) {
    try {
      var doc = GraphiQL.GraphQL.parse(params.query);
      return doc.definitions.some(function (d) {
        return d.kind === "OperationDefinition" && d.operation === "subscription" &&
          (!params.operationName || (d.name && d.name.value === params.operationName));
      });
    } catch (e) {
      return false;
    }
  }

  function socket() {
    if (!wsClient) {
      wsClient = graphqlWs.createClient({
        url: wsUrl,
        lazy: true,
        connectionParams: function () {
          return token() ? { authorization: "Bearer " + token() } : {};
        },
      });
    }
    return wsClient;
  }

  function fetcher(params, options) {
    if (isSubscription(params)) {
      return {
        subscribe: function (observer) {
          var sink = {
            next: function (value) { observer.next(value); },
            error: function (err) { observer.error(err); },
            complete: function () { observer.complete(); },
          };
          var dispose = socket().subscribe(params, sink);
          return { unsubscribe: dispose };
        },
      };
    }
    var headers = Object.assign({ "Content-Type": "application/json", Accept: "application/json" },
      (options && options.headers) || {});
    if (token() && !headers.Authorization && !headers.authorization) {
      headers.Authorization = "Bearer " + token();
    }
    return window.fetch(endpoint.href, { method: "POST", headers: headers, body: JSON.stringify(params) })
      .then(function (response) { return response.json(); });
  }

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, { fetcher: fetcher, defaultEditorToolsVisibility: true }));
})();
