// The Node counterpart of examples/http_hello.spl for the HTTP bench:
//     node benches/http/node_hello.js [HOST:PORT]
// prints "listening on HOST:PORT" once bound.
const http = require("http");

const [host, port] = (process.argv[2] || "127.0.0.1:0").split(":");
const body = Buffer.from("Hello, world!\n");
const server = http.createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "content-length": body.length });
  res.end(body);
});
server.listen(Number(port), host, () => {
  console.log(`listening on ${host}:${server.address().port}`);
});
