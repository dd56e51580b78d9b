import { randomInt, randomUUID } from 'node:crypto';
import { WebSocket } from 'undici';
import { ComfyUINode } from '@owui/contracts';
import type { AppContext } from '../../context.js';
import { ApiError } from '../../errors/api-error.js';
import { engineFetch, failedAnswer, jsonAnswer } from '../../net/engine-fetch.js';
import { fetchImage, imageTimeoutMs, type GeneratedImage, type GenerationRequest } from './images.engines.js';

/**
 * ComfyUI's API: the workflow (API format) gets the prompt, size, model... put into the inputs its node
 * bindings name, is queued with POST /prompt under a client id, progress comes over ws /ws?clientId=, and
 * when the socket says the prompt finished, GET /history/{id} lists the outputs, fetched with GET /view.
 */

/** A plain text-to-image graph (checkpoint -> prompts -> sampler -> decode -> save). */
export const COMFYUI_DEFAULT_WORKFLOW = JSON.stringify(
  {
    '3': { class_type: 'KSampler', inputs: { seed: 0, steps: 20, cfg: 8, sampler_name: 'euler', scheduler: 'normal', denoise: 1, model: ['4', 0], positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0] } },
    '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'model.safetensors' } },
    '5': { class_type: 'EmptyLatentImage', inputs: { width: 512, height: 512, batch_size: 1 } },
    '6': { class_type: 'CLIPTextEncode', inputs: { text: 'Prompt', clip: ['4', 1] } },
    '7': { class_type: 'CLIPTextEncode', inputs: { text: '', clip: ['4', 1] } },
    '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
    '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'ComfyUI', images: ['8', 0] } },
  },
  null,
  2,
);

/** The bindings of the default graph, used when the admin configured none (the original UI sends these). */
export const COMFYUI_DEFAULT_NODES: ComfyUINode[] = [
  { type: 'prompt', key: 'text', node_ids: ['6'] },
  { type: 'negative_prompt', key: 'text', node_ids: ['7'] },
  { type: 'model', key: 'ckpt_name', node_ids: ['4'] },
  { type: 'width', key: 'width', node_ids: ['5'] },
  { type: 'height', key: 'height', node_ids: ['5'] },
  { type: 'n', key: 'batch_size', node_ids: ['5'] },
  { type: 'steps', key: 'steps', node_ids: ['3'] },
  { type: 'seed', key: 'seed', node_ids: ['3'] },
];

const DEFAULT_KEY: Record<string, string> = { prompt: 'text', negative_prompt: 'text', width: 'width', height: 'height', n: 'batch_size', steps: 'steps', seed: 'seed', model: 'ckpt_name' };

export function workflowAndNodes(ctx: AppContext): { workflow: string; nodes: ComfyUINode[] } {
  const workflow = ctx.settings.get('COMFYUI_WORKFLOW') || COMFYUI_DEFAULT_WORKFLOW;
  const stored = ctx.settings.get('COMFYUI_WORKFLOW_NODES').map((n) => ComfyUINode.parse(n));
  return { workflow, nodes: stored.length ? stored : COMFYUI_DEFAULT_NODES };
}

/** Puts the request's values into the workflow's inputs; an unknown node id is the admin's mistake (400). */
export function fillWorkflow(workflowText: string, nodes: ComfyUINode[], v: Record<string, unknown>): Record<string, { inputs: Record<string, unknown> }> {
  let graph: unknown;
  try {
    graph = JSON.parse(workflowText);
  } catch {
    throw new ApiError(400, 'The ComfyUI workflow is not valid JSON');
  }
  if (!graph || typeof graph !== 'object' || Array.isArray(graph)) throw new ApiError(400, 'The ComfyUI workflow must be a JSON object of nodes (API format)');
  const wf = graph as Record<string, { inputs?: Record<string, unknown> }>;
  for (const node of nodes) {
    const value = node.type ? (node.type === 'seed' ? (v.seed ?? randomInt(0, 2 ** 47)) : v[node.type]) : node.value;
    if (node.type && !(node.type in DEFAULT_KEY)) continue;
    if (value === undefined) continue;
    const key = node.key || (node.type ? DEFAULT_KEY[node.type] : undefined) || 'text';
    for (const id of node.node_ids) {
      const target = Object.hasOwn(wf, id) ? wf[id] : undefined;
      if (!target || typeof target !== 'object') throw new ApiError(400, `The ComfyUI workflow has no node "${id}"`);
      target.inputs = { ...(target.inputs ?? {}), [key]: value };
    }
  }
  return wf as Record<string, { inputs: Record<string, unknown> }>;
}

function authHeaders(ctx: AppContext): Record<string, string> {
  const key = ctx.settings.get('COMFYUI_API_KEY');
  return key ? { authorization: `Bearer ${key}` } : {};
}

/**
 * Watches the socket for the prompt's end; rejects on ComfyUI's error, a closed socket or the time limit.
 * Listening starts before POST /prompt, so messages that arrive before its answer are kept and replayed.
 */
function watchCompletion(ws: WebSocket, timeoutMs: number): { finished: Promise<void>; setPromptId: (id: string) => void } {
  let promptId: string | null = null;
  const early: Msg[] = [];
  let handle: (m: Msg) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => done(new ApiError(504, `ComfyUI did not finish within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    const done = (err?: Error) => {
      clearTimeout(timer);
      ws.removeEventListener('message', onMessage);
      ws.removeEventListener('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    handle = (msg) => {
      if (!promptId) return void early.push(msg);
      if (msg.data?.prompt_id !== promptId) return;
      if (msg.type === 'executing' && msg.data.node === null) done();
      else if (msg.type === 'execution_success') done();
      else if (msg.type === 'execution_error') done(new ApiError(502, `ComfyUI failed: ${msg.data.exception_message ?? 'execution error'}`));
    };
    const onMessage = (ev: { data: unknown }) => {
      if (typeof ev.data !== 'string') return; // binary frames are previews
      try {
        handle(JSON.parse(ev.data) as Msg);
      } catch {
        /* not JSON: ignored like the original */
      }
    };
    const onClose = () => done(new ApiError(502, 'ComfyUI closed the progress socket before the image was ready'));
    ws.addEventListener('message', onMessage);
    ws.addEventListener('close', onClose);
  });
  finished.catch(() => undefined); // awaited later; never an unhandled rejection meanwhile
  return {
    finished,
    setPromptId: (id) => {
      promptId = id;
      early.splice(0).forEach((m) => handle(m));
    },
  };
}

type Msg = { type?: string; data?: { node?: unknown; prompt_id?: string; exception_message?: string } };

function openSocket(url: string, headers: Record<string, string>, timeoutMs: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers } as never);
    const timer = setTimeout(() => {
      ws.close();
      reject(new ApiError(504, 'ComfyUI did not accept the progress socket in time'));
    }, timeoutMs);
    ws.addEventListener('open', () => {
      clearTimeout(timer);
      resolve(ws);
    });
    ws.addEventListener('error', () => {
      clearTimeout(timer);
      reject(new ApiError(502, `${'Open WebUI: Server Connection Error'} (ComfyUI: the progress socket could not be opened)`));
    });
  });
}

export async function comfyuiGenerate(ctx: AppContext, r: GenerationRequest): Promise<GeneratedImage[]> {
  const base = ctx.settings.get('COMFYUI_BASE_URL').replace(/\/+$/, '');
  if (!/^https?:\/\//.test(base)) throw new ApiError(400, 'ComfyUI: no valid COMFYUI_BASE_URL is configured');
  const { workflow, nodes } = workflowAndNodes(ctx);
  const values: Record<string, unknown> = { prompt: r.form.prompt, width: r.width, height: r.height, n: r.form.n, steps: ctx.settings.get('IMAGE_STEPS'), model: r.model || undefined };
  if (r.form.negative_prompt != null) values.negative_prompt = r.form.negative_prompt;
  const graph = fillWorkflow(workflow, nodes, values);
  const headers = authHeaders(ctx);
  const timeoutMs = imageTimeoutMs(ctx);
  const clientId = randomUUID();

  const ws = await openSocket(`${base.replace(/^http/, 'ws')}/ws?clientId=${clientId}`, headers, Math.min(timeoutMs, 30_000));
  let promptId: string;
  try {
    const watch = watchCompletion(ws, timeoutMs);
    const res = await engineFetch(`${base}/prompt`, {
      engine: 'ComfyUI',
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: graph, client_id: clientId }),
      timeoutMs,
    });
    if (!res.ok) throw failedAnswer('ComfyUI', res);
    const queued = jsonAnswer('ComfyUI', res);
    if (typeof queued.prompt_id !== 'string') throw new ApiError(502, 'ComfyUI did not queue the prompt');
    promptId = queued.prompt_id;
    watch.setPromptId(promptId);
    await watch.finished;
  } finally {
    ws.close();
  }

  const hist = await engineFetch(`${base}/history/${encodeURIComponent(promptId)}`, { engine: 'ComfyUI', headers, timeoutMs });
  if (!hist.ok) throw failedAnswer('ComfyUI', hist);
  const entry = jsonAnswer('ComfyUI', hist)[promptId] as { outputs?: Record<string, { images?: { filename: string; subfolder?: string; type?: string }[] }> } | undefined;
  const images: GeneratedImage[] = [];
  for (const out of Object.values(entry?.outputs ?? {})) {
    for (const img of out.images ?? []) {
      const q = new URLSearchParams({ filename: img.filename, subfolder: img.subfolder ?? '', type: img.type ?? 'output' });
      const got = await fetchImage(ctx, 'ComfyUI', `${base}/view?${q}`, headers, base);
      images.push({ ...got, meta: { ...values, workflow: graph } });
    }
  }
  if (!images.length) throw new ApiError(502, 'ComfyUI finished without an image');
  return images;
}

/** Checkpoint names from /object_info for the model node's class (or CheckpointLoaderSimple). */
export async function comfyuiModels(ctx: AppContext): Promise<{ id: string; name: string }[]> {
  const base = ctx.settings.get('COMFYUI_BASE_URL').replace(/\/+$/, '');
  const res = await engineFetch(`${base}/object_info`, { engine: 'ComfyUI', headers: authHeaders(ctx), timeoutMs: ctx.config.timeouts.modelListSeconds * 1000 });
  if (!res.ok) throw failedAnswer('ComfyUI', res);
  const info = jsonAnswer('ComfyUI', res) as Record<string, { input?: { required?: Record<string, unknown[]> } }>;
  const { workflow, nodes } = workflowAndNodes(ctx);
  const modelNode = nodes.find((n) => n.type === 'model')?.node_ids[0];
  let cls = 'CheckpointLoaderSimple';
  let key = 'ckpt_name';
  if (modelNode) {
    try {
      const wf = JSON.parse(workflow) as Record<string, { class_type?: string }>;
      cls = (Object.hasOwn(wf, modelNode) && wf[modelNode]?.class_type) || cls;
      const req = Object.hasOwn(info, cls) ? info[cls]?.input?.required : undefined;
      key = Object.keys(req ?? {}).find((k) => k.includes('_name')) ?? key;
    } catch {
      /* fall back to the checkpoint loader */
    }
  }
  const list = Object.hasOwn(info, cls) ? info[cls]?.input?.required?.[key]?.[0] : undefined;
  return Array.isArray(list) ? list.map((m) => ({ id: String(m), name: String(m) })) : [];
}
