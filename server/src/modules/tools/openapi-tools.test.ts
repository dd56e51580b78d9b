import { describe, expect, it } from 'vitest';
import { openapiToToolSpecs, operationRequest, resolveSchema, toolServerUrl } from './openapi-tools.js';

const spec = {
  openapi: '3.1.0',
  paths: {
    '/items/{id}': {
      parameters: [{ name: 'ignored', in: 'query' }], // path-level, not an operation
      get: {
        operationId: 'get_item',
        summary: 'Get an item',
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'fields', in: 'query', schema: { type: 'array', items: { type: 'string' } }, description: 'Fields' },
          { name: 'sort', in: 'query', schema: { type: 'string', enum: ['asc', 'desc'] } },
        ],
      },
      delete: { operationId: 'delete_item', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }] },
    },
    '/tree': {
      post: { operationId: 'add_node', requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Node' } } } } },
    },
    '/bulk': {
      put: { operationId: 'bulk', requestBody: { content: { 'application/json': { schema: { type: 'array', items: { type: 'integer' } } } } } },
    },
    '/noid': { get: { summary: 'no operationId: not a tool' } },
  },
  components: {
    schemas: {
      // Self-referencing: resolving must stop.
      Node: { type: 'object', properties: { name: { type: 'string' }, child: { $ref: '#/components/schemas/Node' } }, required: ['name'] },
    },
  },
};

describe('OpenAPI -> tool specs (the original convert_openapi_to_tool_payload)', () => {
  it('turns operations into functions with parameters', () => {
    const tools = openapiToToolSpecs(spec);
    expect(tools.map((t) => t.name)).toEqual(['get_item', 'delete_item', 'add_node', 'bulk']);
    const get = tools[0]!;
    expect(get.description).toBe('Get an item');
    expect(get.parameters).toEqual({
      type: 'object',
      properties: {
        id: { type: 'string', description: '' },
        fields: { type: 'array', description: 'Fields', items: { type: 'string' } },
        sort: { type: 'string', description: '. Possible values: asc, desc' },
      },
      required: ['id'],
    });
    expect(tools[1]!.description).toBe('No description available.');
    expect(tools[2]!.parameters!.required).toEqual(['name']);
    expect(tools[3]!.parameters).toEqual({ type: 'array', items: { type: 'integer' } });
  });

  it('resolves refs without looping on cycles, and ignores foreign refs', () => {
    const r = resolveSchema({ $ref: '#/components/schemas/Node' }, spec.components) as Record<string, any>;
    expect(r.properties.name).toEqual({ type: 'string' });
    expect(resolveSchema({ $ref: 'http://evil.example/schema.json' }, spec.components)).toEqual({});
    expect(resolveSchema({ $ref: '#/components/__proto__/x' }, spec.components)).toEqual({});
  });

  it('maps a call back onto method, URL (encoded) and body', () => {
    expect(operationRequest(spec, 'http://t.example/', 'get_item', { id: 'a/b c', fields: ['x', 'y'], sort: 'asc', extra: 1 })).toEqual({
      method: 'GET',
      url: 'http://t.example/items/a%2Fb%20c?fields=%5B%22x%22%2C%22y%22%5D&sort=asc',
    });
    expect(operationRequest(spec, 'http://t.example', 'add_node', { name: 'n' })).toEqual({ method: 'POST', url: 'http://t.example/tree', body: '{"name":"n"}' });
    expect(operationRequest(spec, 'http://t.example', 'delete_item', { id: '7' })).toEqual({ method: 'DELETE', url: 'http://t.example/items/7', body: '{}' });
    expect(operationRequest(spec, 'http://t.example', 'nope', {})).toBeNull();
  });

  it('builds the spec URL like the original', () => {
    expect(toolServerUrl('http://a.example', 'openapi.json')).toBe('http://a.example/openapi.json');
    expect(toolServerUrl('http://a.example/', '/v1/openapi.json')).toBe('http://a.example/v1/openapi.json');
    expect(toolServerUrl('http://a.example', 'http://b.example/spec.json')).toBe('http://b.example/spec.json');
  });
});
