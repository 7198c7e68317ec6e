-- FBO order lines (/v3/posting/fbo/list): posting × product; the Ozon warehouse as analytics_data names it.
{{ ozon_posting_lines('postings_fbo', 'analytics_data__warehouse_id', 'analytics_data__warehouse_name', 'created_at') }}
