"""grader.submission"""
