// The fake Amazon buyers a tester signs in as, with their addresses (Japanese ones first) and payment descriptors.

export interface Address {
  name: string;
  addressLine1: string;
  addressLine2: string | null;
  addressLine3: string | null;
  city: string | null;
  county: string | null;
  district: string | null;
  stateOrRegion: string | null;
  postalCode: string;
  countryCode: string;
  phoneNumber: string;
}

export interface FakeBuyer {
  buyerId: string;
  name: string;
  email: string;
  phoneNumber: string;
  primeMembershipTypes: string[] | null;
  shippingAddress: Address;
  billingAddress: Address;
  paymentDescriptor: string;
}

const jp = (name: string, postalCode: string, stateOrRegion: string, city: string, line1: string, line2: string | null, phone: string): Address => ({
  name,
  addressLine1: line1,
  addressLine2: line2,
  addressLine3: null,
  city,
  county: null,
  district: null,
  stateOrRegion,
  postalCode,
  countryCode: 'JP',
  phoneNumber: phone,
});

/** One US buyer's address, shipped and billed to alike. */
const JOHN_SMITH_ADDRESS: Address = {
  name: 'John Smith',
  addressLine1: '410 Terry Ave N',
  addressLine2: null,
  addressLine3: null,
  city: 'Seattle',
  county: 'King',
  district: null,
  stateOrRegion: 'WA',
  postalCode: '98109',
  countryCode: 'US',
  phoneNumber: '+12065550100',
};

export const FAKE_BUYERS: FakeBuyer[] = [
  {
    buyerId: 'amzn1.account.AH6TEXAMPLEYAMADATARO00001',
    name: '山田 太郎',
    email: 'taro.yamada@example.jp',
    phoneNumber: '09012345678',
    primeMembershipTypes: ['JP_PRIME'],
    shippingAddress: jp('山田 太郎', '150-0002', '東京都', '渋谷区', '渋谷2-21-1', '渋谷ヒカリエ 11階', '09012345678'),
    billingAddress: jp('山田 太郎', '150-0002', '東京都', '渋谷区', '渋谷2-21-1', '渋谷ヒカリエ 11階', '09012345678'),
    paymentDescriptor: 'Visa ****1111',
  },
  {
    buyerId: 'amzn1.account.AH6TEXAMPLESATOHANAKO00002',
    name: '佐藤 花子',
    email: 'hanako.sato@example.jp',
    phoneNumber: '08098765432',
    primeMembershipTypes: null,
    shippingAddress: jp('佐藤 花子', '530-0001', '大阪府', '大阪市北区', '梅田3-1-1', null, '08098765432'),
    billingAddress: jp('佐藤 花子', '604-8005', '京都府', '京都市中京区', '河原町通三条上る恵比須町427', 'コーポ河原町 201', '08098765432'),
    paymentDescriptor: 'JCB ****0005',
  },
  {
    buyerId: 'amzn1.account.AH6TEXAMPLEJOHNSMITH000003',
    name: 'John Smith',
    email: 'john.smith@example.com',
    phoneNumber: '+12065550100',
    primeMembershipTypes: ['US_PRIME'],
    shippingAddress: { ...JOHN_SMITH_ADDRESS },
    billingAddress: { ...JOHN_SMITH_ADDRESS },
    paymentDescriptor: 'Mastercard ****4444',
  },
];

export function findBuyer(buyerId: string): FakeBuyer | undefined {
  return FAKE_BUYERS.find((b) => b.buyerId === buyerId);
}
