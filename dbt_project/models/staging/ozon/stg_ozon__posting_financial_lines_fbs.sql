-- The financial data of every FBS posting line: price, discount, Ozon's commission, payout.
{{ ozon_posting_financial_lines('postings_fbs') }}
