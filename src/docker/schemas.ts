import { z } from 'zod';

/** zod schemas for the Engine API responses we read (only the fields we use; the rest passes). */

const labels = z
  .record(z.string(), z.string())
  .nullish()
  .transform((v) => v ?? {});

export const containerListItemSchema = z
  .object({
    Id: z.string().min(12),
    Names: z.array(z.string()).nullish(),
    Image: z.string(),
    State: z.string(),
    Status: z.string().nullish(),
    Created: z.number(),
    Labels: labels,
    Ports: z
      .array(
        z
          .object({
            PrivatePort: z.number(),
            PublicPort: z.number().optional(),
            Type: z.string(),
            IP: z.string().optional(),
          })
          .loose(),
      )
      .nullish(),
  })
  .loose();
export const containerListSchema = z.array(containerListItemSchema);

export const containerInspectSchema = z
  .object({
    Id: z.string().min(12),
    Name: z.string(),
    Created: z.string(),
    RestartCount: z.number().nullish(),
    State: z
      .object({
        Status: z.string(),
        Running: z.boolean().optional(),
        ExitCode: z.number().nullish(),
        StartedAt: z.string().nullish(),
        FinishedAt: z.string().nullish(),
        Error: z.string().nullish(),
        Health: z.object({ Status: z.string() }).loose().nullish(),
      })
      .loose(),
    Config: z
      .object({
        Hostname: z.string().nullish(),
        Env: z.array(z.string()).nullish(),
        Labels: labels,
        Image: z.string(),
        Tty: z.boolean().nullish(),
      })
      .loose(),
    NetworkSettings: z
      .object({
        Ports: z
          .record(
            z.string(),
            z.array(z.object({ HostIp: z.string().optional(), HostPort: z.string().optional() }).loose()).nullable(),
          )
          .nullish(),
      })
      .loose()
      .nullish(),
  })
  .loose();

export const eventSchema = z
  .object({
    Type: z.string().optional(),
    Action: z.string().optional(),
    status: z.string().optional(),
    id: z.string().optional(),
    Actor: z
      .object({ ID: z.string().optional(), Attributes: z.record(z.string(), z.string()).nullish() })
      .loose()
      .optional(),
    time: z.number().optional(),
    timeNano: z.number().optional(),
  })
  .loose();

export const versionSchema = z
  .object({
    Version: z.string(),
    ApiVersion: z.string(),
    Os: z.string().optional(),
    MinAPIVersion: z.string().optional(),
  })
  .loose();

export const waitSchema = z.object({ StatusCode: z.number() }).loose();

/** `GET /images/json`: an image's `repo:tag` names (null or `<none>:<none>` for dangling ones). */
export const imageListSchema = z.array(
  z
    .object({
      Id: z.string(),
      RepoTags: z
        .array(z.string())
        .nullish()
        .transform((v) => (v ?? []).filter((t) => t !== '<none>:<none>')),
    })
    .loose(),
);
