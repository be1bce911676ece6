/**
 * Public proof routes (DESIGN.md decision 11): RFC 9162 §2.1.3 inclusion proofs by leaf index
 * and tree size, and §2.1.4 consistency proofs between two sizes, as JSON with base64 hashes.
 * Sizes default to the latest published checkpoint; anything beyond it is 404.
 */
import type { FastifyPluginAsync } from 'fastify';
import { toBase64 } from '../../core/bytes.ts';
import { emptyObjectSchema } from '../schemas/common.ts';
import { errorBodySchema, errorResponses } from '../schemas/error.ts';

/** What the proof routes need from a log. */
export interface ProofSource {
  publishedSize(): number;
  inclusionProof(index: number, size: number): Promise<Uint8Array[]>;
  consistencyProof(size1: number, size2: number): Promise<Uint8Array[]>;
}

/** Options of {@link proofRoutes}. */
export interface ProofRoutesOptions {
  log: ProofSource;
}

const uint = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
const hashes = {
  type: 'array',
  items: { type: 'string', description: 'base64 SHA-256 hash' },
} as const;
const errors = {
  400: { ...errorBodySchema, description: 'A malformed parameter.' },
  404: { ...errorBodySchema, description: 'An index or size beyond the published tree.' },
  500: errorResponses[500],
} as const;

/** Registers `GET <prefix>/proofs/inclusion` and `GET <prefix>/proofs/consistency`. */
export const proofRoutes: FastifyPluginAsync<ProofRoutesOptions> = async (app, { log }) => {
  app.get<{ Querystring: { index: number; size?: number } }>(
    '/proofs/inclusion',
    {
      schema: {
        summary: 'RFC 9162 §2.1.3 inclusion proof of a leaf',
        tags: ['public'],
        params: emptyObjectSchema,
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['index'],
          properties: { index: uint, size: uint },
        },
        response: {
          200: {
            type: 'object',
            required: ['index', 'treeSize', 'hashes'],
            properties: { index: uint, treeSize: uint, hashes },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const size = request.query.size ?? log.publishedSize();
      const proof = await log.inclusionProof(request.query.index, size);
      return { index: request.query.index, treeSize: size, hashes: proof.map(toBase64) };
    },
  );

  app.get<{ Querystring: { from: number; to?: number } }>(
    '/proofs/consistency',
    {
      schema: {
        summary: 'RFC 9162 §2.1.4 consistency proof between two tree sizes',
        tags: ['public'],
        params: emptyObjectSchema,
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['from'],
          properties: { from: uint, to: uint },
        },
        response: {
          200: {
            type: 'object',
            required: ['from', 'to', 'hashes'],
            properties: { from: uint, to: uint, hashes },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const to = request.query.to ?? log.publishedSize();
      const proof = await log.consistencyProof(request.query.from, to);
      return { from: request.query.from, to, hashes: proof.map(toBase64) };
    },
  );
};
