// An Express service whose OpenAI calls show up in Grafana.
//
//   cd examples/express-service && npm install
//   OPENAI_API_KEY=sk-… GRAFANA_METRICS_URL=… GRAFANA_LOGS_URL=… GRAFANA_METRICS_USERNAME=… \
//   GRAFANA_LOGS_USERNAME=… GRAFANA_ACCESS_TOKEN=… npm start
//
//   curl -s localhost:3000/ask -H 'content-type: application/json' -d '{"question":"What is a monad?"}'
//   curl -sN localhost:3000/ask/stream -H 'content-type: application/json' -d '{"question":"Tell me a story"}'
import express from 'express';
import OpenAI from 'openai';
import { chat_v2 } from 'grafana-openai-monitoring';

// One client for the whole service, monitored once at start-up.
const openai = new OpenAI();
const monitor = chat_v2.monitor(openai, {
  metrics_url: process.env.GRAFANA_METRICS_URL,
  logs_url: process.env.GRAFANA_LOGS_URL,
  metrics_username: process.env.GRAFANA_METRICS_USERNAME,
  logs_username: process.env.GRAFANA_LOGS_USERNAME,
  access_token: process.env.GRAFANA_ACCESS_TOKEN,
  environment: process.env.NODE_ENV ?? 'development',
  labels: { service: 'express-example' }, // a constant label on every series and stream
  disable_content: process.env.LOG_CONTENT !== 'true', // keep prompts out of Loki unless asked
});
const model = process.env.OPENAI_MODEL ?? 'gpt-4o-mini';

const app = express();
app.use(express.json());

app.post('/ask', async (req, res, next) => {
  try {
    const completion = await openai.chat.completions.create({
      model,
      messages: [{ role: 'user', content: String(req.body?.question ?? '') }],
    });
    res.json({ answer: completion.choices[0].message.content });
  } catch (error) {
    next(error); // the SDK's own error (e.g. RateLimitError): monitoring never changes it
  }
});

// Server-sent events: each chunk is forwarded as it arrives.
app.post('/ask/stream', async (req, res, next) => {
  try {
    const stream = await openai.chat.completions.create({
      model,
      messages: [{ role: 'user', content: String(req.body?.question ?? '') }],
      stream: true,
    });
    // The browser went away: abort the request so the tokens stop (and the call is recorded as aborted).
    res.on('close', () => {
      if (!res.writableEnded) stream.controller.abort();
    });
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    for await (const chunk of stream) {
      res.write(`data: ${JSON.stringify(chunk.choices[0]?.delta?.content ?? '')}\n\n`);
    }
    res.end('data: [DONE]\n\n');
  } catch (error) {
    if (res.headersSent) res.end();
    else next(error);
  }
});

const server = app.listen(Number(process.env.PORT ?? 3000), () => {
  console.log(`listening on http://localhost:${server.address().port}`);
});

// Stop taking requests, let the ones in flight finish, then push what is buffered.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    server.close(async () => {
      await monitor.shutdown();
      process.exit(0);
    });
  });
}
