// Configs the end-to-end tests of several files share.
import type { ConfigInput } from '../../src/config';
import { BASE_CONFIG } from './harness';

/** The default two environments (dev on /dev, prod), deployed blue/green through CodeDeploy. */
export const BLUE_GREEN: ConfigInput = { ...BASE_CONFIG, deploy: { strategy: 'blue-green' } };

/** Rolling, three environments: dev on /dev, staging on its own host name, prod the default route; approvals before staging and prod. */
export const THREE_ENVIRONMENTS: ConfigInput = {
  ...BASE_CONFIG,
  environments: [
    { name: 'dev', path: '/dev' },
    { name: 'staging', host: 'staging.example.com', approval: true },
    { name: 'prod', cpu: 512, memory: 1024, approval: true },
  ],
};

/** Issue 13's task settings, every field: variables (dev overrides one), secrets (an SSM name, a Secrets Manager ARN with a JSON key, both the sandbox's seed), a shared task role with a statement and a managed policy, prod's own role, ECS Exec on but in prod. */
export const SERVICE_SETTINGS: ConfigInput = {
  ...BASE_CONFIG,
  services: {
    variables: { LOG_LEVEL: 'info', APP_NAME: 'demo' },
    secrets: { DB_PASSWORD: '/demo/db-password', API_KEY: 'arn:aws:secretsmanager:eu-west-3:123456789012:secret:demo/api-AbCdEf:key::' },
    taskRole: {
      managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'],
      statements: [{ Sid: 'ReadUploads', Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::demo-uploads/*' }],
    },
    exec: true,
  },
  environments: [
    { name: 'dev', path: '/dev', variables: { LOG_LEVEL: 'debug' } },
    {
      name: 'prod',
      approval: true,
      exec: false,
      taskRole: { statements: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:eu-west-3:123456789012:demo-jobs' }] },
    },
  ],
};
