import Dockerode from 'dockerode';
import { type DockerEndpoint } from '../docker/endpoint';
import { DockerError, classifyDockerError } from '../docker/errors';
import { signalWithTimeout } from '../util/abort';
import { type RawInspector } from './diagnosticsBundle';

/**
 * Adapter for the diagnostics bundle: the full `GET /containers/{id}/json` answer, which
 * DockerPort.inspect reduces to the fields the engine uses (and masks). The bundle masks the
 * secrets itself, and learns their values from it to mask them in the logs too.
 */
export function rawInspector(endpoint: DockerEndpoint, timeoutMs = 15_000): RawInspector {
  const docker = new Dockerode(endpoint.modemOptions);
  return async (id, signal) => {
    const owned = signalWithTimeout([signal], timeoutMs);
    try {
      const raw: unknown = await docker.getContainer(id).inspect({ abortSignal: owned.signal } as object);
      return raw;
    } catch (e) {
      if (owned.timedOut()) {
        throw new DockerError('timeout', `Inspect ${id.slice(0, 12)}: Docker at ${endpoint.description} did not answer within ${timeoutMs / 1000} s`, undefined, { cause: e });
      }
      throw classifyDockerError(e, endpoint.description, `Inspect ${id.slice(0, 12)}`);
    } finally {
      owned.dispose();
    }
  };
}
