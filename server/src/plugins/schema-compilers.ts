import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type CompilerFactory = (externalSchemas: unknown, options: unknown) => (routeSchema: never) => unknown;

/**
 * Fastify requires its default schema compilers (ajv for validation, fast-json-stringify for response
 * schemas: ~600 KB with ajv-formats and fast-uri) as soon as an app is created. Here requests are
 * validated by zod (plugins/zod.ts) and no route declares a response schema, so neither ever compiles
 * anything; these factories require the default one only if a route does need it, with the same
 * arguments Fastify would have given it. build.mjs leaves the two packages out of the bundle (loaded
 * from node_modules then).
 */
function onDemand(pkg: string): CompilerFactory {
  return (externalSchemas, options) => {
    let compiler: ((routeSchema: never) => unknown) | null = null;
    return (routeSchema) => {
      compiler ??= (createRequire(import.meta.url)(pkg) as () => CompilerFactory)()(externalSchemas, options);
      return compiler(routeSchema);
    };
  };
}

export const schemaController = {
  compilersFactory: {
    buildValidator: onDemand('@fastify/ajv-compiler'),
    buildSerializer: onDemand('@fastify/fast-json-stringify-compiler'),
  },
} as FastifyServerOptions['schemaController'];
