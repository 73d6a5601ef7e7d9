import type { Rule } from './rule';
import { circularReference } from './rules/circularReference';
import { composeSchema } from './rules/composeSchema';
import { envFileSyntax } from './rules/envFileSyntax';
import { interpolationSyntax } from './rules/interpolationSyntax';
import { obsoleteVersion } from './rules/obsoleteVersion';
import { portConflict } from './rules/portConflict';
import { requiredVariable } from './rules/requiredVariable';
import { undefinedReference } from './rules/undefinedReference';
import { unreadableFile } from './rules/unreadableFile';
import { unsetVariable } from './rules/unsetVariable';
import { waApiKey } from './rules/waApiKey';
import { waDbConfig } from './rules/waDbConfig';
import { waDbupgrade } from './rules/waDbupgrade';
import { waExternalPorts } from './rules/waExternalPorts';
import { waHaTopology } from './rules/waHaTopology';
import { waHostnameMismatch } from './rules/waHostnameMismatch';
import { waLegacyLinks } from './rules/waLegacyLinks';
import { waMediaVolume } from './rules/waMediaVolume';
import { waMulticonnectFlag } from './rules/waMulticonnectFlag';
import { waMysql8Auth } from './rules/waMysql8Auth';
import { waNetworkModeBridge } from './rules/waNetworkModeBridge';
import { waRestartPolicy } from './rules/waRestartPolicy';
import { waVersionFormat } from './rules/waVersionFormat';
import { waVersionMismatch } from './rules/waVersionMismatch';
import { waVersionPrefix } from './rules/waVersionPrefix';
import { waWebPort } from './rules/waWebPort';
import { yamlSyntax } from './rules/yamlSyntax';

/** Every rule, in reporting order. Rule ids are part of the public contract. */
export const ALL_RULES: readonly Rule[] = [
  yamlSyntax,
  composeSchema,
  interpolationSyntax,
  envFileSyntax,
  unreadableFile,
  undefinedReference,
  circularReference,
  requiredVariable,
  unsetVariable,
  portConflict,
  obsoleteVersion,
  waVersionPrefix,
  waVersionFormat,
  waVersionMismatch,
  waMulticonnectFlag,
  waHaTopology,
  waHostnameMismatch,
  waExternalPorts,
  waMediaVolume,
  waDbConfig,
  waNetworkModeBridge,
  waLegacyLinks,
  waMysql8Auth,
  waWebPort,
  waApiKey,
  waDbupgrade,
  waRestartPolicy,
];
