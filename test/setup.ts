// aws-sdk-client-mock's jest matchers (toHaveReceivedCommandWith …) for every test file.
import 'aws-sdk-client-mock-jest';

// The SDK warns once per process that its 2027 releases need Node 22. The CLI turns it off (its
// pinned SDK runs on Node 20.19+); in-process tests never pass through the CLI's entry, so here too.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
