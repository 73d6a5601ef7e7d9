import { z } from 'zod';

/** zod schemas for the documented responses (wa-api.md §2). Parsed once at the boundary. */

export const errorItemSchema = z.object({
  code: z.number().int(),
  title: z.string(),
  details: z.string().optional(),
});

export const errorEnvelopeSchema = z.object({ errors: z.array(errorItemSchema).min(1) });

export const metaSchema = z.object({ api_status: z.string().optional(), version: z.string().optional() }).loose();

export const GATEWAY_STATUSES = ['connected', 'connecting', 'disconnected', 'uninitialized', 'unregistered'] as const;
export type GatewayStatus = (typeof GATEWAY_STATUSES)[number];
export const HEALTH_ROLES = ['primary_master', 'secondary_master', 'coreapp'] as const;
export type HealthRole = (typeof HEALTH_ROLES)[number];

/** One node of an HA / multiconnect health map. Values are kept as strings so unknown ones degrade, not fail. */
export const healthNodeSchema = z
  .object({
    gateway_status: z.string().optional(),
    role: z.string().optional(),
    errors: z.array(errorItemSchema).optional(),
  })
  .loose();

export const healthResponseSchema = z
  .object({
    health: z.record(z.string(), z.unknown()),
    meta: metaSchema.optional(),
    errors: z.array(errorItemSchema).optional(),
  })
  .loose();

export const loginResponseSchema = z
  .object({
    users: z.array(z.object({ token: z.string().min(1), expires_after: z.string().optional() }).loose()).min(1),
    meta: metaSchema.optional(),
  })
  .loose();

export const shardsResponseSchema = z
  .object({ account: z.object({ shards: z.number().int().positive() }).loose(), meta: metaSchema.optional() })
  .loose();

export const accountResponseSchema = z
  .object({
    account: z.array(z.object({ vname: z.string().optional() }).loose()).optional(),
    meta: metaSchema.optional(),
  })
  .loose();

export const settingsResponseSchema = z
  .object({ settings: z.record(z.string(), z.unknown()), meta: metaSchema.optional() })
  .loose();

export const backupResponseSchema = z
  .object({ settings: z.object({ data: z.string() }).loose(), meta: metaSchema.optional() })
  .loose();

export const supportResponseSchema = z
  .object({ support: z.record(z.string(), z.unknown()), meta: metaSchema.optional() })
  .loose();

export const metricsResponseSchema = z
  .object({ metrics: z.record(z.string(), z.unknown()).optional(), meta: metaSchema.optional() })
  .loose();

export const metaOnlyResponseSchema = z.object({ meta: metaSchema.optional() }).loose().nullable();
