"""The partners' front desk: visits, food parcels and referral vouchers typed on a phone."""
