/**
 * Intune enrollment steps per platform and ownership (OP-PROC-002 step 3), short enough to follow on a phone.
 * Sources: Microsoft Intune end-user help (memdocs/intune/user-help: enroll-your-device-in-intune-ios,
 * enroll-device-android-work-profile, enroll-windows-10-device, enroll-your-device-in-intune-macos-cp) and the
 * Android Enterprise fully managed QR / afw#setup flows. Personal iPhones use account-driven User Enrollment
 * because iOS/iPadOS 18 no longer supports profile-based User Enrollment through Company Portal.
 */
import type { Ownership, Platform } from '../workflow/model';

/** A store or download link offered as a button next to the steps. */
export interface EnrollmentLink {
  title: string;
  url: string;
}

/** What an employee does to enroll one kind of device. */
export interface EnrollmentInstructions {
  platform: Platform;
  ownership: Ownership;
  /** The Intune enrollment method, as IT names it. */
  method: string;
  /** One sentence saying what enrollment will do to this device. */
  summary: string;
  /** Steps in order; bot-authored markdown (bold UI labels only). */
  steps: readonly string[];
  links: readonly EnrollmentLink[];
}

const COMPANY_PORTAL: Record<Platform, EnrollmentLink> = {
  ios: { title: 'Get Company Portal', url: 'https://go.microsoft.com/fwlink/?linkid=2141414' },
  android: { title: 'Get Company Portal', url: 'https://play.google.com/store/apps/details?id=com.microsoft.windowsintune.companyportal' },
  windows: { title: 'Get Company Portal', url: 'https://apps.microsoft.com/detail/9wzdncrfj3pz' },
  macos: { title: 'Download Company Portal', url: 'https://go.microsoft.com/fwlink/?linkid=853070' },
};

type Key = `${Platform}:${Ownership}`;

const INSTRUCTIONS: Record<Key, Omit<EnrollmentInstructions, 'platform' | 'ownership'>> = {
  'ios:personal': {
    method: 'Account-driven User Enrollment',
    summary: 'Work apps and data go into a separate managed space; your personal apps, photos and data stay private.',
    steps: [
      'Open **Settings › General › VPN & Device Management**.',
      'Tap **Sign In to Work or School Account…** and enter your work email address.',
      'Sign in with your work account. If asked, also sign in with your Managed Apple Account (usually the same work email).',
      'Review the remote management screen and confirm to finish enrolling.',
      'Install **Company Portal** from the App Store and sign in to see your device status.',
    ],
    links: [COMPANY_PORTAL.ios],
  },
  'ios:company': {
    method: 'Device enrollment (Company Portal, or Automated Device Enrollment)',
    summary: 'The whole device is managed by the company.',
    steps: [
      'If you saw **Remote Management** while setting up the device, you are already enrolled: sign in with your work account when asked, then skip to the last step.',
      'Install **Company Portal** from the App Store and sign in with your work account.',
      'Tap **Begin**. If asked who owns the device, choose the company. Review the privacy screen and tap **Continue**.',
      'Tap **Allow** to download the management profile, then **Close**.',
      'Within 8 minutes, open **Settings › General › VPN & Device Management**, tap the management profile, tap **Install**, enter your passcode, then tap **Trust**.',
      'Return to Company Portal and wait until every item shows a green check.',
    ],
    links: [COMPANY_PORTAL.ios],
  },
  'android:personal': {
    method: 'Android Enterprise personally-owned work profile',
    summary: 'A separate work profile holds work apps and data; your personal side stays private.',
    steps: [
      'Install **Intune Company Portal** from Google Play.',
      'Open it and sign in with your work account.',
      'On **Company Access Setup**, tap **Begin**, read the privacy screen and tap **Continue**.',
      'Tap **Accept & continue** to let Android create your work profile.',
      'Back in Company Portal, tap **Continue** and update any settings it asks for, such as a screen lock.',
      'Setup is done when every step shows as complete. Work apps carry a briefcase badge.',
    ],
    links: [COMPANY_PORTAL.android],
  },
  'android:company': {
    method: 'Android Enterprise fully managed (QR code or afw#setup)',
    summary: 'The whole device is managed by the company. Enrollment erases everything on the device.',
    steps: [
      'Start with a new or factory-reset device. Ask IT Security for the enrollment QR code if you do not have it.',
      'On the first **Welcome** screen, tap the same spot 6 times to open the QR reader, then scan the QR code.',
      'No QR reader? Continue to the Google sign-in screen, type **afw#setup** as the email, and follow the prompts to scan the code.',
      'Connect to Wi-Fi and accept the terms. The **Microsoft Intune** app installs itself.',
      'Sign in with your work account and apply the settings it asks for, such as a screen lock.',
      'Open the **Microsoft Intune** app to confirm setup is complete.',
    ],
    links: [],
  },
  'windows:personal': {
    method: 'Windows MDM enrollment (Access work or school)',
    summary: 'Your work account is added to this PC and work settings are applied; your personal files stay private.',
    steps: [
      'Open **Settings › Accounts › Access work or school**.',
      'Select **Connect**, enter your work email and sign in. Do not choose "Join this device to Microsoft Entra ID"; that is for company PCs.',
      'Wait for setup to finish, and restart if asked.',
      'Install **Company Portal** from the Microsoft Store, sign in, and check the device status.',
    ],
    links: [COMPANY_PORTAL.windows],
  },
  'windows:company': {
    method: 'Microsoft Entra join with automatic Intune enrollment',
    summary: 'The whole PC is managed by the company.',
    steps: [
      'New PC: during setup choose **Set up for work or school** and sign in with your work account. Windows Autopilot may do the rest.',
      'PC already set up: open **Settings › Accounts › Access work or school**, select **Connect**, then **Join this device to Microsoft Entra ID**.',
      'Sign in with your work account, confirm the organization and select **Join**.',
      'Restart and sign in with your work account.',
      'Open **Company Portal** (install it from the Microsoft Store if missing) to check the device status.',
    ],
    links: [COMPANY_PORTAL.windows],
  },
  'macos:personal': {
    method: 'Company Portal for Mac (user-approved device enrollment)',
    summary: 'Work settings and apps are applied to this Mac; your personal files stay private.',
    steps: [
      'Download **Company Portal** for Mac, open the installer and follow the steps.',
      'Open Company Portal, sign in with your work account, select **Begin**, then **Continue**.',
      'Select **Download profile**. In **System Settings › General › Device Management** (older macOS: **Privacy & Security › Profiles**), open the management profile, choose **Install** and enter your Mac password.',
      'Return to Company Portal, update any settings it asks for, and select **Retry** if shown.',
      'Select **Done** when setup is complete.',
    ],
    links: [COMPANY_PORTAL.macos],
  },
  'macos:company': {
    method: 'Automated Device Enrollment, or Company Portal for Mac',
    summary: 'The whole Mac is managed by the company.',
    steps: [
      'If your Mac showed **Remote Management** during setup, choose **Enroll**, sign in with your work account, then skip to the last step.',
      'Otherwise download **Company Portal** for Mac, open the installer and follow the steps.',
      'Open Company Portal, sign in with your work account, select **Begin**, then **Continue**.',
      'Select **Download profile**. In **System Settings › General › Device Management** (older macOS: **Privacy & Security › Profiles**), open the management profile, choose **Install** and enter your Mac password.',
      'Return to Company Portal and select **Done** when setup is complete.',
    ],
    links: [COMPANY_PORTAL.macos],
  },
};

/** The enrollment steps for this platform and ownership. */
export function enrollmentInstructionsFor(platform: Platform, ownership: Ownership): EnrollmentInstructions {
  return { platform, ownership, ...INSTRUCTIONS[`${platform}:${ownership}`] };
}
