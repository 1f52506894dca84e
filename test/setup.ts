// aws-sdk-client-mock's jest matchers (toHaveReceivedCommandWith …) for every test file.
import 'aws-sdk-client-mock-jest';

// The SDK warns once per process that its 2027 releases need Node 22. A user of shipline should
// see it; a test log repeating it for every test file only hides what failed.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
